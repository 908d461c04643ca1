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
