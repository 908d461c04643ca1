import type Redis from 'ioredis';
import type { JobLine } from './job-view';

/**
 * What a worker announces about a job as soon as Postgres has committed it, on the Redis channel of
 * that job: each output line, then its end. Followers (the gateway's event streams) listen; Postgres
 * stays the truth, so a follower that missed a message reads the gap from there.
 */
export type JobEvent = ({ type: 'line' } & JobLine) | { type: 'end'; state: 'done' | 'failed'; errors: string };

/** The channel of one job's events. */
export function jobEventsChannel(redisPrefix: string, jobId: string): string {
  return `${redisPrefix}:job-events:${jobId}`;
}

/** A message of a job channel, or null when it is not a job event. */
export function parseJobEvent(message: string): JobEvent | null {
  try {
    const event = JSON.parse(message) as JobEvent;
    if (event.type === 'line' && Number.isInteger(event.n) && typeof event.text === 'string') return event;
    if (event.type === 'end' && (event.state === 'done' || event.state === 'failed')) return event;
  } catch {
    // not ours
  }
  return null;
}

/**
 * Publishes job events. Never fails its caller: a message Redis does not take is lost to live followers
 * only, who read the line from Postgres when the next one shows the gap, or when they resynchronise.
 */
export class JobEventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
  ) {}

  line(jobId: string, line: JobLine): void {
    this.publish(jobId, { type: 'line', ...line });
  }

  end(jobId: string, state: 'done' | 'failed', errors: string): void {
    this.publish(jobId, { type: 'end', state, errors });
  }

  private publish(jobId: string, event: JobEvent): void {
    this.redis.publish(jobEventsChannel(this.redisPrefix, jobId), JSON.stringify(event)).catch(() => undefined);
  }
}
