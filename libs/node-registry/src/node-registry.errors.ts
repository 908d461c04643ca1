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
