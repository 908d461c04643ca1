import type Redis from 'ioredis';
import { connectRedis } from '@oshift/redis';
import { testServices, uniqueName } from '@oshift/testing';
import { WatchLeases } from './watch-leases';

/** A process's `commands` connection, once it is ready. */
async function commands(): Promise<Redis> {
  const redis = connectRedis(testServices().redisUrl, 'commands');
  await new Promise((ready) => redis.once('ready', ready));
  return redis;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WatchLeases against Redis', () => {
  const connections: Redis[] = [];
  afterAll(() => Promise.all(connections.map((redis) => redis.quit())));

  async function watcher(prefix: string, owner: string, ttlMs: number): Promise<WatchLeases> {
    const redis = await commands();
    connections.push(redis);
    return new WatchLeases(redis, prefix, owner, ttlMs);
  }

  it('counts live workers by Redis’ clock: a dead worker whose clock ran ahead leaves no cluster unwatched', async () => {
    const prefix = `${testServices().redisPrefix}-${uniqueName('watch')}`;
    const clusters = ['a.example.test', 'b.example.test'];
    const ahead = await watcher(prefix, 'worker-ahead', 300);
    const other = await watcher(prefix, 'worker-other', 300);
    // Worker A's clock runs ten minutes ahead: it announces itself and takes its share, then dies.
    const realNow = Date.now;
    Date.now = () => realNow() + 10 * 60_000;
    try {
      expect(await ahead.take(clusters)).toHaveLength(2);
    } finally {
      Date.now = realNow;
    }
    await sleep(400);
    // Its watches lapsed; the other worker, alone alive by Redis' clock, takes every cluster.
    expect((await other.take(clusters)).sort()).toEqual(clusters);
  });

  it('takes the clusters nobody watches up to its share, not clusters other workers watch drawn by chance', async () => {
    const prefix = `${testServices().redisPrefix}-${uniqueName('watch')}`;
    const clusters = Array.from({ length: 19 }, (_, index) => `c${String(index).padStart(2, '0')}.example.test`);
    const first = await watcher(prefix, 'worker-first', 5000);
    const second = await watcher(prefix, 'worker-second', 5000);
    // The second worker watches one cluster of its own; then the first finds 19 more, two workers alive: share 10.
    expect(await second.take(['own.example.test'])).toEqual(['own.example.test']);
    const firsts = await first.take(clusters);
    expect(firsts).toHaveLength(10);
    // The second's share of the 20 is 10: it holds one, and the nine left unwatched are the ones it takes, at once.
    const seconds = await second.take(['own.example.test', ...clusters]);
    expect(seconds.sort()).toEqual(
      ['own.example.test', ...clusters.filter((cluster) => !firsts.includes(cluster))].sort(),
    );
  });

  it('renews a watch within a long round, and tells when another worker took it meanwhile', async () => {
    const prefix = `${testServices().redisPrefix}-${uniqueName('watch')}`;
    const slow = await watcher(prefix, 'worker-slow', 300);
    const other = await watcher(prefix, 'worker-other', 300);
    expect(await slow.take(['a.example.test', 'b.example.test'])).toHaveLength(2);
    await sleep(200);
    // Renewed in time: still its own.
    expect(await slow.renew('a.example.test')).toBe(true);
    await sleep(200);
    // b's watch lapsed (not renewed) and another worker took it; a's is still held.
    expect(await other.take(['b.example.test'])).toEqual(['b.example.test']);
    expect(await slow.renew('a.example.test')).toBe(true);
    expect(await slow.renew('b.example.test')).toBe(false);
    expect(slow.takenOver()).toEqual(['b.example.test']);
    expect(slow.holding()).toEqual(['a.example.test']);
  });
});
