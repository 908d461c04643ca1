import type { ConnectionOptions } from 'bullmq';
import Redis, { type RedisOptions } from 'ioredis';

/**
 * What a connection is for, which decides how it behaves while Redis is away:
 * - `commands`: caches, counters and limits an answer waits for. Fails fast (no offline queue, one retry,
 *   1 s per command, 2 s to connect) so the caller can go on without Redis, and reconnects within 2 s.
 * - `subscriber`: pub/sub. Queues and retries for ever; ioredis resubscribes after a reconnect.
 * - `one-shot`: a CLI run or a probe. Connects on first use, one attempt, never reconnects, so it ends
 *   whatever Redis does.
 */
export type RedisProfile = 'commands' | 'subscriber' | 'one-shot';

/** Reconnect soon after Redis comes back: ioredis' backoff, capped at 2 s. */
const reconnectSoon = (attempt: number) => Math.min(attempt * 200, 2000);

const PROFILES: Record<RedisProfile, RedisOptions> = {
  commands: {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: reconnectSoon,
  },
  subscriber: { maxRetriesPerRequest: null, retryStrategy: reconnectSoon },
  'one-shot': { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 },
};

/**
 * The one place a Redis connection is made. Connection errors are left to the callers' own handling of
 * failed commands (and to the `error` listeners they add), never thrown as unhandled events.
 */
export function connectRedis(url: string, profile: RedisProfile, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { ...PROFILES[profile], ...options });
  redis.on('error', () => undefined);
  return redis;
}

/**
 * BullMQ's connection options (BullMQ opens its connections itself, blocking ones included):
 * - `producer` (the gateway): fails fast when Redis is away, so the caller gets a 503 instead of a hang,
 *   and notices soon that it is back (BullMQ's own reconnect backoff grows to 20 s, ours stops at 2 s);
 * - `consumer` (the worker): waits out Redis outages instead of failing commands (BullMQ requires null).
 */
export function queueConnection(url: string, role: 'producer' | 'consumer'): ConnectionOptions {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: reconnectSoon }
      : { maxRetriesPerRequest: null };
  return { url, ...options } as ConnectionOptions;
}
