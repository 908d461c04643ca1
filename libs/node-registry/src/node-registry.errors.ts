/** The cluster is not registered. */
export class ClusterNotFoundError extends Error {
  override readonly name = 'ClusterNotFoundError';
  constructor(readonly clusterId: string) {
    super('Cluster not found');
  }
}

/** OpenStack could not be asked (down, slow, refusing our credentials); callers answer 503. */
export class CloudUnavailableError extends Error {
  override readonly name = 'CloudUnavailableError';
  constructor(
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** No node of that name in the cluster (asked of Nova, not only of the cache). */
export class NodeNotFoundError extends Error {
  override readonly name = 'NodeNotFoundError';
  constructor(
    readonly clusterId: string,
    readonly nodename: string,
  ) {
    super('Node Not found');
  }
}
