import type { ConnectionOptions } from 'bullmq';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { redisTarget, type RedisTarget, type RedisTargetInput } from './redis-target';

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

/**
 * A primary demoted to a replica (a Sentinel failover its clients did not see as a dropped connection) answers
 * writes with READONLY: reconnect, which asks the Sentinels for the primary again, and resend the command.
 */
const reconnectWhenDemoted = (error: Error) => (error.message.startsWith('READONLY') ? 2 : false);

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
 * ioredis' options for a target: the URL as it is, or the Sentinels (ioredis asks them for the primary, and
 * again after every lost connection). A primary that dies drops its connections; one that is demoted closes
 * them too (Redis does on becoming a replica), and a write it still gets answers READONLY, which reconnects.
 *
 * ioredis' `failoverDetector` is left off: the detector of a connection that was lost stays subscribed to
 * `+switch-master`, and when the announcement comes while the client is asking a Sentinel for the primary, it
 * cancels that attempt, which ioredis 5 takes as the end of the client: no reconnection, ever (a gateway then
 * answered every reboot 503 for a minute after a failover in a loaded CI run of the Sentinel test).
 */
function targetOptions(target: Exclude<RedisTarget, { kind: 'cluster' }>, options: RedisOptions): RedisOptions {
  if (target.kind === 'standalone') return options;
  return {
    sentinels: target.sentinels,
    name: target.name,
    sentinelPassword: target.sentinelPassword,
    password: target.password,
    // Sentinels that do not answer are skipped soon, and asked again at the connection's own pace.
    sentinelCommandTimeout: 1000,
    sentinelRetryStrategy: options.retryStrategy ?? reconnectSoon,
    reconnectOnError: reconnectWhenDemoted,
    ...options,
  };
}

/**
 * ioredis' cluster client with a profile's behaviour: the node connections get the profile's per-command
 * settings, the cluster client its offline queue and reconnection.
 */
function connectCluster(target: Extract<RedisTarget, { kind: 'cluster' }>, options: RedisOptions): Cluster {
  const { enableOfflineQueue, retryStrategy, lazyConnect, ...nodeOptions } = options;
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue,
    lazyConnect,
    clusterRetryStrategy: retryStrategy ?? reconnectSoon,
    // A node that is gone is noticed within the command timeout; slots are asked again at once.
    slotsRefreshTimeout: 2000,
    redisOptions: { ...nodeOptions, password: target.password },
  };
  return new Redis.Cluster(target.nodes, clusterOptions);
}

/**
 * The one place a Redis connection is made, to a URL, through Sentinel or to a Cluster. A Cluster client has the
 * same commands as a single connection (ioredis routes each by its keys), so callers hold both as `Redis`; the
 * few that must act per node (SCAN) look at `isCluster` (see {@link scanKeys}). Connection errors are left to
 * the callers' own handling of failed commands (and to the `error` listeners they add), never thrown as
 * unhandled events.
 */
export function connectRedis(input: RedisTargetInput, profile: RedisProfile, options: RedisOptions = {}): Redis {
  const target = redisTarget(input);
  const merged = { ...PROFILES[profile], ...options };
  const redis =
    target.kind === 'cluster'
      ? (connectCluster(target, merged) as unknown as Redis)
      : target.kind === 'standalone'
        ? new Redis(target.url, merged)
        : new Redis(targetOptions(target, merged));
  redis.on('error', () => undefined);
  return redis;
}

/**
 * BullMQ's connection options (BullMQ opens its connections itself, blocking ones included):
 * - `producer` (the gateway): fails fast when Redis is away, so the caller gets a 503 instead of a hang,
 *   and notices soon that it is back (BullMQ's own reconnect backoff grows to 20 s, ours stops at 2 s);
 * - `consumer` (the worker): waits out Redis outages instead of failing commands (BullMQ requires null).
 *
 * Through Sentinel these are ioredis options with the Sentinels (BullMQ opens each connection with them). For a
 * Cluster, BullMQ takes a cluster client (it duplicates it for its blocking connections); the process closes
 * it when it stops (`RedisConnections` owns it).
 */
export function queueConnection(input: RedisTargetInput, role: 'producer' | 'consumer'): ConnectionOptions {
  const target = redisTarget(input);
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: reconnectSoon }
      : { maxRetriesPerRequest: null };
  if (target.kind === 'standalone') return { url: target.url, ...options } as ConnectionOptions;
  if (target.kind === 'sentinel') return targetOptions(target, options) as ConnectionOptions;
  const cluster = connectCluster(target, role === 'consumer' ? { ...options, retryStrategy: reconnectSoon } : options);
  cluster.on('error', () => undefined);
  return cluster as unknown as ConnectionOptions;
}

/**
 * Every key matching `pattern`, with SCAN (never KEYS): on a Cluster, on each primary in turn (a key lives on
 * one of them).
 */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const nodes = redis.isCluster ? (redis as unknown as Cluster).nodes('master') : [redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}
