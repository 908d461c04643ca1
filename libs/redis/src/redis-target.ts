/** A host and port of a Sentinel or of a Redis Cluster node. */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * Which Redis a deployment uses, from its settings (one of `REDIS_URL`, `REDIS_SENTINELS`, `REDIS_CLUSTER_NODES`):
 * - `standalone`: one server at a `redis://` or `rediss://` URL (the simple case);
 * - `sentinel`: the primary that Redis Sentinel names, found and followed across failovers by ioredis;
 * - `cluster`: a Redis Cluster, through ioredis' cluster client (every key of the deployment in one hash slot,
 *   see {@link deploymentPrefix}).
 */
export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisAddress[];
      /** The primary's name at the Sentinels (`REDIS_SENTINEL_NAME`). */
      name: string;
      /** The Sentinels' own password (`REDIS_SENTINEL_PASSWORD`). */
      sentinelPassword?: string;
      /** The Redis servers' password (`REDIS_PASSWORD`). */
      password?: string;
    }
  | { kind: 'cluster'; nodes: RedisAddress[]; password?: string };

/** A target as given: a URL is the standalone case. */
export type RedisTargetInput = RedisTarget | string;

export function redisTarget(input: RedisTargetInput): RedisTarget {
  return typeof input === 'string' ? { kind: 'standalone', url: input } : input;
}

/** `host:port,host:port` (IPv6 hosts in brackets: `[::1]:26379`) into addresses; throws on a malformed entry. */
export function parseRedisAddresses(list: string): RedisAddress[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
      return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
    });
}

/**
 * The prefix every key and channel of the deployment starts with. On a Redis Cluster it is a hash tag
 * (`{oshift}`), so every key of the deployment lands in one slot: BullMQ requires it of a queue's keys, and the
 * service's own multi-key scripts, MULTI blocks and pipelines (node-status cache, watch leases, login throttle)
 * then work whichever keys they combine. Elsewhere it is left as it is, so the keys of a running deployment
 * keep their names.
 */
export function deploymentPrefix(prefix: string, target: RedisTarget): string {
  return target.kind === 'cluster' ? `{${prefix}}` : prefix;
}
