import type { ClusterSecrets } from '@oshift/node-registry';

/** Injection token of {@link ClusterApiOptions}. */
export const CLUSTER_API_OPTIONS = Symbol('CLUSTER_API_OPTIONS');

/** What a process tells the cluster APIs: where token references resolve, and how long a call may take. */
export interface ClusterApiOptions {
  /** The same resolver as the OpenStack secrets' (`env:`/`file:` rules, sealing key). */
  secrets: ClusterSecrets;
  /** Longest one call to a cluster's API may take before it fails as unavailable. */
  timeoutMs: number;
}
