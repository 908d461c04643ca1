import type Redis from 'ioredis';
import { connectRedis } from '@oshift/redis';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle';
import { testServices, uniqueName } from '@oshift/testing';

describe('LoginThrottle against Redis', () => {
  let redis: Redis;
  const feeds: Redis[] = [];
  const throttle = (overrides: Partial<LoginThrottleOptions> = {}, feed?: Redis) =>
    new LoginThrottle(
      redis,
      {
        redisPrefix: `${testServices().redisPrefix}-${uniqueName('throttle')}`,
        windowMs: 60_000,
        maxPerUserAddress: 3,
        maxPerAddress: 5,
        ...overrides,
      },
      feed,
    );
  /** A replica's own pub/sub connection, as the gateway's `RedisConnections` gives it. */
  const feed = () => {
    const connection = connectRedis(testServices().redisUrl, 'subscriber');
    feeds.push(connection);
    return connection;
  };

  beforeAll(async () => {
    redis = connectRedis(testServices().redisUrl, 'commands');
    await new Promise((ready) => redis.once('ready', ready));
  });
  afterAll(async () => {
    for (const connection of feeds) connection.disconnect();
    await redis.quit();
  });

  it('refuses a username from an address after its limit, until the window ends, and not from elsewhere', async () => {
    const limiter = throttle({ windowMs: 1500 });
    for (let i = 0; i < 3; i += 1) {
      expect(await limiter.check('alice', '192.0.2.1')).toEqual({ allowed: true, userAddressFailures: i });
      await limiter.recordFailure('alice', '192.0.2.1');
    }
    const refused = await limiter.check('alice', '192.0.2.1');
    expect(refused).toMatchObject({ allowed: false, scope: 'user-address' });
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeLessThanOrEqual(2);
    expect(await limiter.check('alice', '192.0.2.2')).toMatchObject({ allowed: true });
    expect(await limiter.check('bob', '192.0.2.1')).toMatchObject({ allowed: true });

    // Refused attempts are not counted: the window is not extended, so it always ends.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await limiter.check('alice', '192.0.2.1')).toEqual({ allowed: true, userAddressFailures: 0 });
  });

  it('shares failures between gateway replicas through the feed, including failures recorded before a replica started', async () => {
    const options = { redisPrefix: `${testServices().redisPrefix}-${uniqueName('feed')}` };
    const first = throttle(options, feed());
    await first.onModuleInit();
    await first.recordFailure('dave', '192.0.2.30'); // before the second replica exists
    const second = throttle(options, feed());
    await second.onModuleInit();
    const live = async (replica: LoginThrottle) => {
      for (let i = 0; i < 50 && !(replica as unknown as { feedLive: boolean }).feedLive; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await Promise.all([live(first), live(second)]);
    // The warm path's question, answered from memory: only a caller without failures anywhere is known clean.
    expect(second.knownClean('dave', '192.0.2.30')).toBe(false);
    expect(second.knownClean('erin', '192.0.2.31')).toBe(true);
    expect(second.knownClean('erin', '192.0.2.30')).toBe(false); // the address counter holds dave's failure

    expect(await second.check('dave', '192.0.2.30')).toEqual({ allowed: true, userAddressFailures: 1 });
    await second.recordFailure('dave', '192.0.2.30');
    await first.recordFailure('dave', '192.0.2.30');
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const replica of [first, second]) {
      expect(await replica.check('dave', '192.0.2.30')).toMatchObject({ allowed: false, scope: 'user-address' });
      // A caller with no failures anywhere is allowed from memory.
      expect(await replica.check('erin', '192.0.2.31')).toEqual({ allowed: true, userAddressFailures: 0 });
      expect(replica.knownClean('dave', '192.0.2.30')).toBe(false);
    }
    await Promise.all([first.onModuleDestroy(), second.onModuleDestroy()]);
  });

  it('refuses every username from an address past the address limit', async () => {
    const limiter = throttle();
    for (let i = 0; i < 5; i += 1) await limiter.recordFailure(`user-${i}`, '192.0.2.9');
    expect(await limiter.check('someone-else', '192.0.2.9')).toMatchObject({ allowed: false, scope: 'address' });
    expect(await limiter.check(null, '192.0.2.9')).toMatchObject({ allowed: false, scope: 'address' });
    expect(await limiter.check('someone-else', '192.0.2.10')).toMatchObject({ allowed: true });
  });

  it('clears only that username at that address on success', async () => {
    const limiter = throttle();
    for (let i = 0; i < 2; i += 1) {
      await limiter.recordFailure('carol', '192.0.2.20');
      await limiter.recordFailure('carol', '192.0.2.21');
    }
    await limiter.recordSuccess('carol', '192.0.2.20');
    expect(await limiter.check('carol', '192.0.2.20')).toEqual({ allowed: true, userAddressFailures: 0 });
    expect(await limiter.check('carol', '192.0.2.21')).toEqual({ allowed: true, userAddressFailures: 2 });
    // The address counter keeps its count: a good login does not launder an address's failures.
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure(`x-${i}`, '192.0.2.20');
    expect(await limiter.check('carol', '192.0.2.20')).toMatchObject({ allowed: false, scope: 'address' });
  });

  it('notes only the first refusal of a window', async () => {
    const limiter = throttle({ maxPerUserAddress: 1 });
    await limiter.recordFailure('dave', '192.0.2.30');
    const refused = await limiter.check('dave', '192.0.2.30');
    if (refused.allowed) throw new Error('expected a refusal');
    expect(await limiter.firstRefusal(refused)).toBe(true);
    expect(await limiter.firstRefusal(refused)).toBe(false);
  });

  it('never locks out for ever: a counter found without expiry gets its window back', async () => {
    const prefix = `${testServices().redisPrefix}-${uniqueName('throttle')}`;
    const limiter = throttle({ redisPrefix: prefix, maxPerUserAddress: 100, maxPerAddress: 1 });
    await redis.set(`${prefix}:login-failures:addr:192.0.2.40`, 99);
    expect(await limiter.check('erin', '192.0.2.40')).toMatchObject({ allowed: true });
    expect(await redis.pttl(`${prefix}:login-failures:addr:192.0.2.40`)).toBeGreaterThan(0);
  });

  it('lets attempts through when Redis is unreachable', async () => {
    const down = connectRedis('redis://127.0.0.1:1', 'one-shot', { enableOfflineQueue: false });
    const limiter = new LoginThrottle(down, {
      redisPrefix: 'unused',
      windowMs: 60_000,
      maxPerUserAddress: 1,
      maxPerAddress: 1,
      timeoutMs: 200,
    });
    await limiter.recordFailure('frank', '192.0.2.50');
    expect(await limiter.check('frank', '192.0.2.50')).toEqual({ allowed: true, userAddressFailures: 0 });
    // Without a live feed nothing is known clean from memory: the warm path leaves such a caller to the full check.
    expect(limiter.knownClean('grace', '192.0.2.51')).toBe(false);
    down.disconnect();
  });
});
