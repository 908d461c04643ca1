import type { ChainableCommander, Redis } from 'ioredis';

/** What {@link TAKE} answers: the owner holds the watch now, or it is free, or another worker holds it. */
const HELD = 1;
const FREE = 0;

/**
 * Takes or renews one cluster's watch: held by `owner` for `ttl` ms more. A free watch is taken only when
 * allowed (the owner is below its fair share). KEYS: the cluster's watch. ARGV: owner, ttl ms, '1' to take a
 * free one. Returns 1 when the owner holds it now, 0 when it is free (not taken), -1 when another owner holds it.
 */
const TAKE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return ${HELD}
end
if holder == false then
  if ARGV[3] ~= '1' then return ${FREE} end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ${HELD}
end
return -1
`;

/** Lets a watch go when `owner` still holds it. KEYS: the cluster's watch. ARGV: owner. */
const LET_GO = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Announces a live watcher and counts the live ones, by Redis' clock (`TIME`): one clock for every worker, so a
 * worker whose own clock runs ahead is not counted alive after it died. KEYS: the live watchers (a sorted set
 * scored by last announcement). ARGV: owner, ttl ms. Returns how many announced within the ttl.
 */
const ANNOUNCE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
`;

interface WatchCommands {
  watchAnnounce(key: string, owner: string, ttlMs: number): Promise<number>;
  watchTake(key: string, owner: string, ttlMs: number, allowNew: '0' | '1'): Promise<number>;
  watchLetGo(key: string, owner: string): Promise<number>;
}

/**
 * Which worker watches which cluster, in Redis: one watcher per cluster at a time, each a lease that lapses
 * `ttlMs` after its holder's last renewal (a dead worker's clusters are taken over then). Live workers announce
 * themselves with every round, and each takes free clusters only up to its fair share, so the clusters spread
 * over the workers instead of all landing on whichever looked first.
 */
export class WatchLeases {
  private readonly held = new Set<string>();
  private lost: string[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {
    redis.defineCommand('watchTake', { numberOfKeys: 1, lua: TAKE });
    redis.defineCommand('watchLetGo', { numberOfKeys: 1, lua: LET_GO });
    redis.defineCommand('watchAnnounce', { numberOfKeys: 1, lua: ANNOUNCE });
  }

  /** Of the clusters that need watching, the ones this worker watches this round (renewed or newly taken). */
  async take(clusters: readonly string[]): Promise<string[]> {
    const commands = this.redis as unknown as Redis & WatchCommands;
    const count = await commands.watchAnnounce(`${this.prefix}:watchers`, this.owner, this.ttlMs);
    const share = Math.ceil(clusters.length / Math.max(1, count));

    const renewals = this.redis.pipeline() as ChainableCommander & {
      watchTake(key: string, owner: string, ttlMs: number, allowNew: '0' | '1'): unknown;
    };
    for (const cluster of clusters) renewals.watchTake(this.key(cluster), this.owner, this.ttlMs, '0');
    const answers = ((await renewals.exec()) ?? []).map(([error, answer]) => (error ? null : answer));
    const mine = clusters.filter((_, index) => answers[index] === HELD);

    // Only the watches nobody holds are candidates: a worker with room for one more must find the one cluster left
    // unwatched, not draw it by chance among the clusters the others watch (it was left unwatched for a minute so).
    // A renewal that failed (an error in the pipeline) is tried again as a take, as a free one is.
    const free = clusters.filter((_, index) => answers[index] === FREE || answers[index] === null);
    const room = Math.max(0, share - mine.length);
    // Start from a different place each round, so no cluster is always the last one considered.
    const offset = free.length > 0 ? Math.floor(Math.random() * free.length) : 0;
    const candidates = [...free.slice(offset), ...free.slice(0, offset)].slice(0, room);
    for (const cluster of candidates) {
      if ((await commands.watchTake(this.key(cluster), this.owner, this.ttlMs, '1')) === HELD) mine.push(cluster);
    }
    this.lost = [...this.held].filter((cluster) => !mine.includes(cluster) && clusters.includes(cluster));
    this.held.clear();
    for (const cluster of mine) this.held.add(cluster);
    return mine;
  }

  /**
   * Renews one cluster's watch now, within a round that has run long (its watches were renewed at its start):
   * false when it lapsed and another worker took it, which then counts among {@link takenOver}.
   */
  async renew(cluster: string): Promise<boolean> {
    const commands = this.redis as unknown as WatchCommands;
    if ((await commands.watchTake(this.key(cluster), this.owner, this.ttlMs, '0')) === HELD) return true;
    this.held.delete(cluster);
    if (!this.lost.includes(cluster)) this.lost.push(cluster);
    return false;
  }

  /** The clusters this worker watched until the last round, which another worker watches now. */
  takenOver(): string[] {
    return this.lost;
  }

  /** The clusters this worker held after its last round. */
  holding(): string[] {
    return [...this.held];
  }

  /** Lets one cluster's watch go now (this worker cannot serve it): another worker may take it at its next round. */
  async letGo(cluster: string): Promise<void> {
    await (this.redis as unknown as WatchCommands).watchLetGo(this.key(cluster), this.owner);
    this.held.delete(cluster);
  }

  /** Lets every watch go (the worker is stopping): the other workers take them over at their next round. */
  async letGoAll(): Promise<void> {
    const commands = this.redis as unknown as WatchCommands;
    await Promise.all([...this.held].map((cluster) => commands.watchLetGo(this.key(cluster), this.owner)));
    await this.redis.zrem(`${this.prefix}:watchers`, this.owner);
    this.held.clear();
  }

  private key(cluster: string): string {
    return `${this.prefix}:watch:{${cluster}}`;
  }
}
