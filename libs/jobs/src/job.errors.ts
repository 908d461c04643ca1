/** A reboot of this node is already queued or running; carries that job's id and cluster. */
export class RebootAlreadyRunningError extends Error {
  override readonly name = 'RebootAlreadyRunningError';
  constructor(
    readonly jobId: string,
    readonly clusterId: string,
  ) {
    super('A reboot of this node is already running');
  }
}

/** No job of that id in that cluster (or not a job id at all). */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  override readonly message = 'Job Not found';
}

/** The job queue (Redis) did not take the job; the job was discarded, so nothing will happen. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  constructor(
    readonly jobId: string,
    options?: { cause?: unknown },
  ) {
    super('Job queue is unavailable, try again later', options);
  }
}

/** An `Idempotency-Key` this user already sent, within its lifetime, with another request. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor() {
    super('Idempotency-Key reused with another request');
  }
}

/**
 * The cluster's reboot policy is no longer the one a request was decided on (see `AcceptGuard`): nothing was
 * recorded, and the request is to be decided again on the policy in force.
 */
export class PolicyChangedError extends Error {
  override readonly name = 'PolicyChangedError';
  constructor(readonly clusterId: string) {
    super(`the reboot policy of ${clusterId} changed while the request was decided`);
  }
}

/** The node ended a reboot `Done` less than the cluster's cooldown ago; another may start in `retryAfterSeconds`. */
export class RebootCooldownError extends Error {
  override readonly name = 'RebootCooldownError';
  constructor(
    readonly target: string,
    readonly retryAfterSeconds: number,
  ) {
    super('This node was rebooted too recently');
  }

  /** Why, for the caller: when the node may be rebooted again. */
  get reason(): string {
    return cooldownReason(this.target, this.retryAfterSeconds);
  }
}

/** The refusal sentence of a node inside its cooldown (also what a dry run answers). */
export function cooldownReason(target: string, secondsLeft: number): string {
  return `${target} was rebooted recently: the cluster's cooldown allows another reboot of it in ${secondsLeft} s`;
}

/** The cluster's rules can never let this reboot start (the cluster's only HAProxy node, …); `reason` says why. */
export class RebootRefusedError extends Error {
  override readonly name = 'RebootRefusedError';
  constructor(readonly reason: string) {
    super("The cluster's reboot rules refuse this reboot");
  }
}

/** Nothing of the job can be cancelled (it ended, or its reboot was already sent); `reason` says which. */
export class JobNotCancellableError extends Error {
  override readonly name = 'JobNotCancellableError';
  constructor(
    readonly jobId: string,
    readonly reason: string,
  ) {
    super('Nothing to cancel');
  }
}

/** A rolling reboot of a role the cluster has no node of; `reason` names the role. */
export class NoNodeOfRoleError extends Error {
  override readonly name = 'NoNodeOfRoleError';
  constructor(readonly role: string) {
    super('No node to reboot');
  }

  get reason(): string {
    return this.role === 'all' ? 'the cluster has no node' : `the cluster has no ${this.role} node`;
  }
}
