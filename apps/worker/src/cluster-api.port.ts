/**
 * TEMPORARY: the interface of `@oshift/cluster-api` (issue #20's plan) until that lib lands; replaced by its
 * imports then.
 */
export interface ClusterNode {
  name: string;
  hostname: string | null;
  ready: boolean;
  readySince: Date | null;
  bootId: string;
  unschedulable: boolean;
}
export interface NodePod {
  namespace: string;
  name: string;
  daemonSet: boolean;
  mirror: boolean;
}
export type EvictionResult = { ok: true } | { ok: false; reason: 'budget' | 'gone' | 'error'; message: string };
export interface ClusterApi {
  version(): Promise<string>;
  nodes(): Promise<ClusterNode[]>;
  node(name: string): Promise<ClusterNode | null>;
  setUnschedulable(name: string, unschedulable: boolean): Promise<void>;
  podsOn(nodeName: string): Promise<NodePod[]>;
  evict(pod: NodePod): Promise<EvictionResult>;
}
export class ClusterApiUnavailableError extends Error {
  override readonly name = 'ClusterApiUnavailableError';
}
export function matchNode(serverName: string, nodes: ClusterNode[], _pattern?: string | null): ClusterNode | null {
  return nodes.find((node) => node.name === serverName) ?? nodes.find((node) => node.hostname === serverName) ?? null;
}
export class ClusterApis {
  forCluster(_clusterId: string): Promise<ClusterApi | null> {
    return Promise.resolve(null);
  }
}
