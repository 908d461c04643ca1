import { Inject, Injectable } from '@nestjs/common';
import { type ClusterEntity, clusterKubeTokenBinding, ClusterRepository } from '@oshift/node-registry';
import type { ClusterApi } from './cluster-api';
import { CLUSTER_API_OPTIONS, type ClusterApiOptions } from './cluster-api.options';
import { KubeClusterApi } from './kube-cluster-api.client';

/** The Kubernetes API of each connected cluster. */
@Injectable()
export class ClusterApis {
  constructor(
    private readonly clusters: ClusterRepository,
    @Inject(CLUSTER_API_OPTIONS) private readonly options: ClusterApiOptions,
  ) {}

  /**
   * The cluster's API as its row says now, or null when the cluster is not connected (no API URL) or not
   * registered: then reboots are judged from Nova alone. The token is read at each call; an unreadable one fails
   * that call with ClusterApiUnavailableError, as an unreachable API does.
   */
  async forCluster(clusterId: string): Promise<ClusterApi | null> {
    return (await this.connection(clusterId))?.api ?? null;
  }

  /**
   * As {@link forCluster}, with the cluster's node-name pattern, which `matchNode` takes to find a
   * server's node.
   */
  async connection(clusterId: string): Promise<ClusterConnection | null> {
    const cluster = await this.clusters.find(clusterId);
    return cluster ? clusterConnectionOf(cluster, this.options) : null;
  }
}

/** A connected cluster's API, and how its servers' names map to its nodes' (see `matchNode`). */
export interface ClusterConnection {
  api: ClusterApi;
  nodePattern: string | null;
}

/** A cluster row's API, or null when it is not connected. */
export function clusterConnectionOf(cluster: ClusterEntity, options: ClusterApiOptions): ClusterConnection | null {
  const { kubeApiUrl: url, kubeTokenRef: tokenRef } = cluster;
  if (!url || !tokenRef) return null;
  const token = () => options.secrets.resolve(tokenRef, clusterKubeTokenBinding(cluster.id));
  const api = new KubeClusterApi({ url, token, caPem: cluster.kubeCaPem }, { timeoutMs: options.timeoutMs });
  return { api, nodePattern: cluster.kubeNodePattern };
}
