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

/** Longest wait between two tries of a message whose handler failed (Postgres or Redis away). */
export const MAX_RETRY_DELAY_MS = 30_000;

/** The wait before try `attemptsMade + 1`: 1 s, 2 s, 4 s, … capped at {@link MAX_RETRY_DELAY_MS}. */
export function retryDelayMs(attemptsMade: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

/**
 * Queue options of every reboot message, whoever enqueues it (gateway or reconciler): retried with capped
 * backoff (the worker's `retryDelayMs`) while Postgres or Redis are briefly away; the job row, not the message,
 * is the truth.
 */
export const REBOOT_JOB_OPTIONS = {
  attempts: 20,
  backoff: { type: 'capped' },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

/** Tries enough to cover the time left until the job's deadline, and a few after it to end the job. */
export function attemptsUntil(deadlineAt: Date | null, now = Date.now()): number {
  const left = deadlineAt ? Math.max(0, deadlineAt.getTime() - now) : 0;
  return 6 + Math.ceil(left / MAX_RETRY_DELAY_MS);
}

/** What enqueues reboot messages: BullMQ's `Queue`, or a fake in unit tests. */
export interface RebootQueue {
  add(
    name: 'reboot',
    payload: RebootJobPayload,
    options: { jobId: string; attempts: number; delay?: number },
  ): Promise<unknown>;
}

/**
 * Enqueues a job under its own id (one job is in the queue at most once at a time), tried until its deadline; a
 * scheduled one delayed until its `notBefore` (it holds no worker slot until then).
 */
export async function enqueueReboot(
  queue: RebootQueue,
  payload: RebootJobPayload,
  deadlineAt: Date | null,
  notBefore?: Date | null,
): Promise<void> {
  const delay = notBefore ? Math.max(0, notBefore.getTime() - Date.now()) : 0;
  await queue.add('reboot', payload, {
    jobId: payload.jobId,
    attempts: attemptsUntil(deadlineAt),
    ...(delay > 0 ? { delay } : {}),
  });
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
