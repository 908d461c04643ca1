import type Redis from 'ioredis';
import { connectRedis, scanKeys } from '@oshift/redis';
import { testServices, uniqueName } from '@oshift/testing';
import { ClusterCallLimiter } from './cluster-call-limiter';

/** A process's `commands` connection, once it is ready (it fails fast rather than queue before). */
async function commands(): Promise<Redis> {
  const redis = connectRedis(testServices().redisUrl, 'commands');
  await new Promise((ready) => redis.once('ready', ready));
  return redis;
}

describe('ClusterCallLimiter against Redis', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await commands();
  });
  afterAll(() => redis.quit());

  it('holds the ceiling per cluster per second across processes sharing Redis', async () => {
    const prefix = `${testServices().redisPrefix}-${uniqueName('limiter')}`;
    // Two "workers" with their own clients, one shared ceiling of 4 calls per second for the cluster.
    const other = await commands();
    const workers = [new ClusterCallLimiter(redis, prefix, 4), new ClusterCallLimiter(other, prefix, 4)];
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        workers[i % 2].acquire('cluster-a.example.test').then(() => grants.push(Math.floor(Date.now() / 1000))),
      ),
    );
    other.disconnect();

    const perSecond = new Map<number, number>();
    for (const second of grants) perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    expect(grants).toHaveLength(12);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(4);
    expect(perSecond.size).toBeGreaterThanOrEqual(3);
    // Each second's counter expires on its own (set by the first call of that second, never pushed back).
    const counters = await scanKeys(redis, `${prefix}:openstack-calls:*`);
    expect(counters.length).toBeGreaterThanOrEqual(1);
    for (const key of counters) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2000);
    }
  });

  it('keeps clusters apart and lets calls through when Redis does not answer', async () => {
    const prefix = `${testServices().redisPrefix}-${uniqueName('limiter')}`;
    const limiter = new ClusterCallLimiter(redis, prefix, 1);
    await limiter.acquire('one.example.test');
    // One cluster's spent budget never makes another cluster wait for the next second.
    const waited = Date.now();
    await limiter.acquire('two.example.test');
    expect(Date.now() - waited).toBeLessThan(500);

    const down = connectRedis('redis://127.0.0.1:1', 'one-shot', { enableOfflineQueue: false });
    await expect(new ClusterCallLimiter(down, prefix, 1).acquire('one.example.test')).resolves.toBeUndefined();
    down.disconnect();
  });
});
