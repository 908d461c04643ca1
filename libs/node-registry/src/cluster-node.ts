/** A VM of a cluster as customers see it, with what the worker needs to act on it. */
export interface ClusterNode {
  nodename: string;
  status: string;
  serverId: string;
  taskState: string | null;
}
