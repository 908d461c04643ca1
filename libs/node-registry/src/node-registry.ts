import { Inject, Injectable } from '@nestjs/common';
import { withinTimeout } from '@oshift/observability';
import { OpenStackError, type NovaClient, type NovaServer } from '@oshift/openstack-client';
import type { ClusterNode } from './cluster-node';
import { ClusterRepository } from './cluster.repository';
import { ClusterSecretError } from './cluster-secrets';
import { naturalCompare } from './natural-order';
import { CloudUnavailableError, ClusterNotFoundError } from './node-registry.errors';
import { NodeStatusCache } from './node-status.cache';
import { NODE_REGISTRY_OPTIONS, type NodeRegistryOptions } from './node-registry.options';
import { OpenStackClients } from './openstack-clients';

/**
 * Clusters and their nodes: which OpenStack project a cluster is, and which VMs it has now. Node lists come
 * from the shared {@link NodeStatusCache} (Nova at most about once per cache period per cluster).
 */
@Injectable()
export class NodeRegistry {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly clients: OpenStackClients,
    private readonly cache: NodeStatusCache,
    @Inject(NODE_REGISTRY_OPTIONS) private readonly options: NodeRegistryOptions,
  ) {}

  /** The Nova client of a cluster. */
  async nova(clusterId: string): Promise<NovaClient> {
    const cluster = await this.clusters.find(clusterId);
    if (!cluster) throw new ClusterNotFoundError(clusterId);
    try {
      return this.clients.forCluster(cluster);
    } catch (error) {
      if (error instanceof ClusterSecretError) throw new CloudUnavailableError(`cluster credentials: ${error.message}`);
      if (error instanceof OpenStackError) throw new CloudUnavailableError(error.message);
      throw error;
    }
  }

  /**
   * Every VM of the cluster with its Nova status, in natural name order, at most one cache period old.
   * Throws {@link CloudUnavailableError} when Nova fails or does not answer within the lookup timeout.
   */
  listNodes(clusterId: string): Promise<ClusterNode[]> {
    return this.bounded(this.cache.get(clusterId, () => this.loadNodes(clusterId)));
  }

  /**
   * The node of that exact name, or null, from the same list as {@link listNodes} (at most one cache period
   * old): a name that is not there is not looked up again, so unknown names cost Nova nothing beyond the one
   * listing per cache period per cluster, whoever sends them.
   */
  async findNode(clusterId: string, nodename: string): Promise<ClusterNode | null> {
    const nodes = await this.listNodes(clusterId);
    return nodes.find((node) => node.nodename === nodename) ?? null;
  }

  /** A node's status as the caller just saw it in Nova (the worker, during a reboot): updates the cached list. */
  noteNodeStatus(clusterId: string, node: ClusterNode): Promise<void> {
    return this.cache.observe(clusterId, node);
  }

  /**
   * The whole cluster as a worker just listed it from Nova: the shared list gets it at once, so nodestatus and
   * the reboot rules see what the worker sees.
   */
  noteListing(clusterId: string, servers: readonly NovaServer[]): Promise<void> {
    return this.cache.put(clusterId, nodesOf(servers));
  }

  private async loadNodes(clusterId: string): Promise<ClusterNode[]> {
    const nova = await this.nova(clusterId);
    try {
      return nodesOf(await nova.listServers());
    } catch (error) {
      if (error instanceof OpenStackError) {
        throw new CloudUnavailableError(`OpenStack: ${error.message}`, error.requestId);
      }
      throw error;
    }
  }

  /** The lookup, or CloudUnavailableError once the configured timeout passes (the lookup goes on for others). */
  private bounded<T>(lookup: Promise<T>): Promise<T> {
    const timeoutMs = this.options.lookupTimeoutMs;
    if (!timeoutMs) return lookup;
    return withinTimeout(
      lookup,
      timeoutMs,
      () => new CloudUnavailableError(`OpenStack did not answer within ${timeoutMs} ms`),
    );
  }
}

/** A cluster's servers as its nodes, in natural name order. */
function nodesOf(servers: readonly NovaServer[]): ClusterNode[] {
  return servers
    .map((server) => ({
      nodename: server.name,
      status: server.status,
      serverId: server.id,
      taskState: server.taskState,
    }))
    .sort((a, b) => naturalCompare(a.nodename, b.nodename));
}
