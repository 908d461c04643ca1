import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { ClusterNode } from './cluster-node';
import { CloudUnavailableError } from './node-registry.errors';
import { ACQUIRE, OBSERVE_NODE, PUT_ENTRY, STORE_ENTRY } from './node-status.scripts';

/** Where and how long node lists are cached: what a gateway or worker passes in its module options. */
export interface NodeStatusCacheSettings {
  /** The process's `commands` connection to the deployment's Redis: gateways and workers share the cache. */
  redis: Redis;
  /** The deployment's key prefix (REDIS_PREFIX). */
  prefix: string;
  /** How long a cluster's node list is served from the cache (NODE_STATUS_CACHE_MS). */
  ttlMs: number;
  /**
   * Lifetime of the lock a replica takes while it asks Nova, and so the longest another replica waits for
   * its answer before asking Nova itself (a lock holder that died frees the cluster after this). Default 5000.
   */
  lockMs?: number;
}

export interface NodeStatusCacheOptions {
  prefix: string;
  ttlMs: number;
  lockMs: number;
}

/** A failed Nova listing is remembered this long (at most), so replicas do not queue up on a failing Nova. */
const FAILURE_TTL_MS = 1000;
/** Generation counters outlive any entry by far; they only need to outlive a load. */
const GENERATION_TTL_MS = 24 * 3600 * 1000;
/** How many clusters' last read entries a process keeps (a few hundred bytes to a few kB each). */
const LAST_READS = 1000;
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 50;

type Entry = { nodes: ClusterNode[] } | { error: string };

interface ScriptedRedis {
  nodeStatusAcquire(entry: string, lock: string, generation: string, ...args: (string | number)[]): Promise<string[]>;
  nodeStatusStore(entry: string, generation: string, lock: string, ...args: (string | number)[]): Promise<number>;
  nodeStatusObserve(entry: string, generation: string, ...args: (string | number)[]): Promise<number>;
  nodeStatusPut(entry: string, generation: string, ...args: (string | number)[]): Promise<number>;
}

/**
 * Each cluster's node list (name, status, server id, task state) in Redis for a short while, shared by every
 * gateway and worker of a deployment, so that many clients polling a cluster cost Nova about one list call
 * per cache period:
 * - concurrent lookups in one process share one Redis read and, on a miss, one Nova call (single flight);
 * - across processes, the one that takes a short Redis lock (SET NX PX) asks Nova while the others poll
 *   Redis for its answer; if it dies, its lock expires and another one asks;
 * - a worker that sees a node's status change writes it into the cached list, and bumps the cluster's
 *   generation so a listing that began before the change is not stored over it;
 * - when Redis is down or slow, every lookup asks Nova directly (still one call per process at a time).
 */
export class NodeStatusCache {
  private readonly reads = new Map<string, Promise<ClusterNode[]>>();
  /** This process's last list per cluster, served while Redis is away (so Nova still sees one list per period). */
  private readonly local = new Map<string, { nodes: ClusterNode[]; until: number }>();
  /** Each cluster's last entry read from Redis, with its text (see `decodeRead`). */
  private readonly lastRead = new Map<string, { raw: string; entry: Entry }>();

  constructor(
    private readonly redis: Redis | null,
    private readonly options: NodeStatusCacheOptions,
  ) {
    redis?.defineCommand('nodeStatusAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    redis?.defineCommand('nodeStatusStore', { numberOfKeys: 3, lua: STORE_ENTRY });
    redis?.defineCommand('nodeStatusObserve', { numberOfKeys: 2, lua: OBSERVE_NODE });
    redis?.defineCommand('nodeStatusPut', { numberOfKeys: 2, lua: PUT_ENTRY });
  }

  /**
   * A cache on the given connection (a fail-fast `commands` one: while Redis is away, lookups ask Nova
   * directly), or a pass-through (single flight only) when there are no settings.
   */
  static create(settings?: NodeStatusCacheSettings): NodeStatusCache {
    if (!settings || settings.ttlMs <= 0) return new NodeStatusCache(null, { prefix: '', ttlMs: 0, lockMs: 0 });
    const options = { prefix: settings.prefix, ttlMs: settings.ttlMs, lockMs: settings.lockMs ?? 5000 };
    return new NodeStatusCache(settings.redis, options);
  }

  /** The Redis key of a cluster's cached entry, JSON `{"nodes": ClusterNode[]}` (or `{"error": …}` briefly). */
  static entryKey(prefix: string, clusterId: string): string {
    return `${prefix}:node-status:{${clusterId}}`;
  }

  /** Resolves once Redis answers, or after `timeoutMs` (lookups meanwhile ask Nova directly). */
  async ready(timeoutMs = 2000): Promise<boolean> {
    const redis = this.redis;
    if (!redis) return false;
    const deadline = Date.now() + timeoutMs;
    while (redis.status !== 'ready' && Date.now() < deadline) await pause(20);
    return redis.status === 'ready';
  }

  /** The cluster's node list: from the cache, else from `load` (Nova), shared with concurrent callers. */
  get(clusterId: string, load: () => Promise<ClusterNode[]>): Promise<ClusterNode[]> {
    return singleFlight(this.reads, clusterId, () => this.lookup(clusterId, load));
  }

  /** Records a node's status as a worker just saw it. Never throws: the cache is an optimisation. */
  async observe(clusterId: string, node: ClusterNode): Promise<void> {
    const redis = this.usable();
    if (!redis) return;
    const keys = this.keys(clusterId);
    // Redis away: entries expire by themselves within one period.
    await quietly(() =>
      scripted(redis).nodeStatusObserve(
        keys.entry,
        keys.generation,
        node.serverId,
        node.status,
        node.taskState ?? '',
        GENERATION_TTL_MS,
      ),
    );
  }

  /** Stores the whole list as a worker just listed it. Never throws: the cache is an optimisation. */
  async put(clusterId: string, nodes: ClusterNode[]): Promise<void> {
    const redis = this.usable();
    if (!redis || this.options.ttlMs <= 0) return;
    const keys = this.keys(clusterId);
    const json = JSON.stringify({ nodes });
    await quietly(() =>
      scripted(redis).nodeStatusPut(keys.entry, keys.generation, json, this.options.ttlMs, GENERATION_TTL_MS),
    );
  }

  private async lookup(clusterId: string, load: () => Promise<ClusterNode[]>): Promise<ClusterNode[]> {
    const redis = this.usable();
    if (!redis) return this.loadLocally(clusterId, load);
    const keys = this.keys(clusterId);
    let cached: Entry | null;
    try {
      cached = this.decodeRead(clusterId, await redis.get(keys.entry));
    } catch {
      return this.loadLocally(clusterId, load);
    }
    if (cached) return unwrap(cached);

    const token = randomBytes(12).toString('base64url');
    const giveUpAt = Date.now() + this.options.lockMs;
    for (let wait = FIRST_PAUSE_MS; ; wait = Math.min(wait * 2, LONGEST_PAUSE_MS)) {
      let answer: string[];
      try {
        answer = await scripted(redis).nodeStatusAcquire(
          keys.entry,
          keys.lock,
          keys.generation,
          token,
          this.options.lockMs,
        );
      } catch {
        return load();
      }
      if (answer[0] === 'entry') {
        const entry = this.decodeRead(clusterId, answer[1] ?? null);
        return entry ? unwrap(entry) : load();
      }
      if (answer[0] === 'locked') return this.loadAndStore(redis, clusterId, load, token, answer[1] ?? '0');
      // Another replica is asking Nova: wait for its answer (its lock expires if it died).
      if (Date.now() >= giveUpAt) return load();
      await pause(wait);
    }
  }

  /**
   * The entry a read of Redis found. The same text as the cluster's previous read is the same entry, not parsed
   * again: callers get the same list for as long as the entry is unchanged (nodestatus keeps its answer's JSON
   * beside it), and a request costs no parse and no new objects.
   */
  private decodeRead(clusterId: string, raw: string | null): Entry | null {
    const last = this.lastRead.get(clusterId);
    if (raw === null) {
      this.lastRead.delete(clusterId);
      return null;
    }
    if (last && last.raw === raw) return last.entry;
    const entry = decode(raw);
    if (entry) this.remember(clusterId, raw, entry);
    return entry;
  }

  /** Keeps the cluster's entry with its text: one per cluster, at most LAST_READS clusters (the oldest go first). */
  private remember(clusterId: string, raw: string, entry: Entry): void {
    this.lastRead.delete(clusterId);
    if (this.lastRead.size >= LAST_READS) this.lastRead.delete(this.lastRead.keys().next().value as string);
    this.lastRead.set(clusterId, { raw, entry });
  }

  /** Without Redis: this process's own list for one period, else `load`. */
  private async loadLocally(clusterId: string, load: () => Promise<ClusterNode[]>): Promise<ClusterNode[]> {
    const kept = this.local.get(clusterId);
    if (kept && Date.now() < kept.until) return kept.nodes;
    const nodes = await load();
    if (this.options.ttlMs > 0) this.local.set(clusterId, { nodes, until: Date.now() + this.options.ttlMs });
    return nodes;
  }

  private async loadAndStore(
    redis: Redis,
    clusterId: string,
    load: () => Promise<ClusterNode[]>,
    token: string,
    generation: string,
  ): Promise<ClusterNode[]> {
    let nodes: ClusterNode[];
    try {
      nodes = await load();
    } catch (error) {
      if (error instanceof CloudUnavailableError) {
        const ttl = Math.min(FAILURE_TTL_MS, this.options.ttlMs);
        await this.store(redis, clusterId, generation, { error: error.message }, ttl, token);
      } else {
        await this.unlock(redis, clusterId, token);
      }
      throw error;
    }
    const entry = { nodes };
    const json = await this.store(redis, clusterId, generation, entry, this.options.ttlMs, token);
    // The next reads find this text: the same list, not parsed again.
    this.remember(clusterId, json, entry);
    return nodes;
  }

  private async store(
    redis: Redis,
    clusterId: string,
    generation: string,
    entry: Entry | null,
    ttlMs: number,
    token: string,
  ): Promise<string> {
    const keys = this.keys(clusterId);
    const json = entry ? JSON.stringify(entry) : '';
    // Not stored: the next lookup asks Nova again, and the lock expires by itself.
    await quietly(() =>
      scripted(redis).nodeStatusStore(keys.entry, keys.generation, keys.lock, generation, json, ttlMs, token),
    );
    return json;
  }

  private async unlock(redis: Redis, clusterId: string, token: string): Promise<void> {
    // The store script with a generation that never matches only releases the lock.
    if (token) await this.store(redis, clusterId, '-', null, 0, token);
  }

  private usable(): Redis | null {
    return this.redis && this.redis.status === 'ready' ? this.redis : null;
  }

  private keys(clusterId: string): { entry: string; lock: string; generation: string } {
    const base = NodeStatusCache.entryKey(this.options.prefix, clusterId);
    return { entry: base, lock: `${base}:lock`, generation: `${base}:gen` };
  }
}

/** The connection with the cache's scripts, defined in the constructor. */
function scripted(redis: Redis): ScriptedRedis {
  return redis as unknown as ScriptedRedis;
}

/** Runs a best-effort Redis call: the cache is an optimisation, so its failures are nobody's. */
async function quietly(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch {
    // Entries expire and locks lapse by themselves.
  }
}

function singleFlight<T>(flights: Map<string, Promise<T>>, key: string, run: () => Promise<T>): Promise<T> {
  const running = flights.get(key);
  if (running) return running;
  const flight = run().finally(() => flights.delete(key));
  flights.set(key, flight);
  return flight;
}

function decode(raw: string | null): Entry | null {
  if (raw === null) return null;
  try {
    const entry = JSON.parse(raw) as Entry;
    return typeof entry === 'object' && entry !== null ? entry : null;
  } catch {
    return null;
  }
}

function unwrap(entry: Entry): ClusterNode[] {
  if ('error' in entry) throw new CloudUnavailableError(entry.error);
  return Array.isArray(entry.nodes) ? entry.nodes : [];
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
