import type { OpenStackClientOptions } from '@oshift/openstack-client';
import type { ClusterCallLimiter } from './cluster-call-limiter';
import type { ClusterSecrets } from './cluster-secrets';
import type { NodeStatusCacheSettings } from './node-status.cache';

/** Injection token of {@link NodeRegistryOptions}. */
export const NODE_REGISTRY_OPTIONS = Symbol('NODE_REGISTRY_OPTIONS');

/** What a process (gateway or worker) tells the node registry: secrets, OpenStack tuning, Redis cache and limits. */
export interface NodeRegistryOptions {
  secrets: ClusterSecrets;
  openstack: OpenStackClientOptions;
  /** Shared ceiling on calls per cluster (the worker sets it); none means unlimited. */
  limiter?: ClusterCallLimiter;
  /** The shared node-status cache in Redis; none means every node lookup asks Nova. */
  statusCache?: NodeStatusCacheSettings;
  /** Longest a node listing or lookup may take before it fails as unavailable (the gateway sets it); none: unbounded. */
  lookupTimeoutMs?: number;
}
