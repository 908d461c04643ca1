/**
 * The contract between gateway and worker: the queue's name and its payload. The job row in Postgres
 * is the source of truth; the queue message only says "work on this job".
 */
export const REBOOT_QUEUE = 'reboot';

export interface RebootJobPayload {
  /** Our job id, also the BullMQ job id (so a job is enqueued at most once at a time). */
  jobId: string;
  clusterId: string;
  /** The gateway request that created the job, so logs follow it into the worker. */
  requestId: string | null;
}

/**
 * Queue options of every reboot message, whoever enqueues it (gateway or reconciler): retried with
 * backoff while Postgres or OpenStack are briefly away; the job row, not the message, is the truth.
 */
export const REBOOT_JOB_OPTIONS = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

/** What enqueues reboot messages: BullMQ's `Queue`, or a fake in unit tests. */
export interface RebootQueue {
  add(name: 'reboot', payload: RebootJobPayload, options: { jobId: string }): Promise<unknown>;
}

/** Enqueues a job under its own id, so one job is in the queue at most once at a time. */
export async function enqueueReboot(queue: RebootQueue, payload: RebootJobPayload): Promise<void> {
  await queue.add('reboot', payload, { jobId: payload.jobId });
}

/** Checks a queue message before a worker acts on it. */
export function isRebootJobPayload(value: unknown): value is RebootJobPayload {
  if (typeof value !== 'object' || value === null) return false;
  const payload = value as Record<string, unknown>;
  return (
    typeof payload.jobId === 'string' &&
    isJobId(payload.jobId) &&
    typeof payload.clusterId === 'string' &&
    (payload.requestId === null || typeof payload.requestId === 'string')
  );
}

const JOB_ID = /^[A-Za-z0-9_-]{22}$/;

/** Job ids are 128 random bits, base64url: 22 characters. */
export function isJobId(value: string): boolean {
  return JOB_ID.test(value);
}
