import { Injectable } from '@nestjs/common';
import { OpenStackError, type NovaClient } from '@oshift/openstack-client';
import { ClusterRepository } from './cluster.repository';
import { ClusterSecretError } from './cluster-secrets';
import { naturalCompare } from './natural-order';
import { CloudUnavailableError, ClusterNotFoundError } from './node-registry.errors';
import { OpenStackClients } from './openstack-clients';

/** A VM of a cluster as customers see it, with what the worker needs to act on it. */
export interface ClusterNode {
  nodename: string;
  status: string;
  serverId: string;
  taskState: string | null;
}

/** Clusters and their nodes: which OpenStack project a cluster is, and which VMs it has now. */
@Injectable()
export class NodeRegistry {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly clients: OpenStackClients,
  ) {}

  /** The Nova client of a cluster. */
  async nova(clusterId: string): Promise<NovaClient> {
    const cluster = await this.clusters.find(clusterId);
    if (!cluster) throw new ClusterNotFoundError(clusterId);
    try {
      return this.clients.forCluster(cluster);
    } catch (error) {
      if (error instanceof ClusterSecretError) throw new CloudUnavailableError(`cluster credentials: ${error.message}`);
      throw error;
    }
  }

  /** Every VM of the cluster with its Nova status, in natural name order. */
  async listNodes(clusterId: string): Promise<ClusterNode[]> {
    const nova = await this.nova(clusterId);
    try {
      const servers = await nova.listServers();
      return servers
        .map((server) => ({
          nodename: server.name,
          status: server.status,
          serverId: server.id,
          taskState: server.taskState,
        }))
        .sort((a, b) => naturalCompare(a.nodename, b.nodename));
    } catch (error) {
      if (error instanceof OpenStackError) {
        throw new CloudUnavailableError(`OpenStack: ${error.message}`, error.requestId);
      }
      throw error;
    }
  }

  /** The node of that exact name, or null. */
  async findNode(clusterId: string, nodename: string): Promise<ClusterNode | null> {
    return (await this.listNodes(clusterId)).find((node) => node.nodename === nodename) ?? null;
  }
}
