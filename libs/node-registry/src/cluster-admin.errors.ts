/** A cluster change was refused; `message` is one line for an operator and never holds a secret. */
export class ClusterAdminError extends Error {
  override readonly name: string = 'ClusterAdminError';
}

/** The cluster settings are malformed or incomplete. */
export class InvalidClusterSpecError extends ClusterAdminError {
  override readonly name = 'InvalidClusterSpecError';
}

/** `cluster add` of an id that is already registered. */
export class ClusterExistsError extends ClusterAdminError {
  override readonly name = 'ClusterExistsError';
  constructor(readonly clusterId: string) {
    super(`cluster ${clusterId} already exists`);
  }
}

/** Update or removal of a cluster that is not registered. */
export class ClusterNotRegisteredError extends ClusterAdminError {
  override readonly name = 'ClusterNotRegisteredError';
  constructor(readonly clusterId: string) {
    super(`unknown cluster ${clusterId}`);
  }
}

/** Removal of a cluster while reboot jobs on it are queued or running. */
export class ClusterBusyError extends ClusterAdminError {
  override readonly name = 'ClusterBusyError';
  constructor(
    readonly clusterId: string,
    readonly activeJobs: number,
  ) {
    super(`cluster ${clusterId} has ${activeJobs} reboot job(s) queued or running; remove it once they end`);
  }
}
