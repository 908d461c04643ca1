import type { Redis } from 'ioredis';

/**
 * One call counted in the cluster's counter for this second (KEYS[1]), which lives ARGV[1] ms from its first call:
 * one command and one reply per call, where MULTI, INCR, PEXPIRE and EXEC were four of each.
 */
const COUNT_CALL = `
  local calls = redis.call('INCR', KEYS[1])
  if calls == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  return calls`;

interface CountingRedis {
  openstackCallCount(key: string, ttlMs: number): Promise<number>;
}

/**
 * A per-cluster ceiling on calls to a customer's OpenStack, shared by every process through Redis
 * (a counter per cluster per second), so adding workers cannot hammer one customer's cloud.
 * When Redis does not answer, calls go ahead: a reboot is not held hostage by the limiter.
 */
export class ClusterCallLimiter {
  private readonly counter: CountingRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    /** Calls per second per cluster, across all processes. */
    readonly perSecond: number,
  ) {
    redis.defineCommand('openstackCallCount', { numberOfKeys: 1, lua: COUNT_CALL });
    this.counter = redis as unknown as CountingRedis;
  }

  /** Resolves when this process may make one more call to the cluster's OpenStack. */
  async acquire(clusterId: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const second = Math.floor(now / 1000);
      const key = `${this.keyPrefix}:openstack-calls:${clusterId}:${second}`;
      let calls: number;
      try {
        calls = Number(await this.counter.openstackCallCount(key, 2000));
      } catch {
        return;
      }
      if (calls <= this.perSecond) return;
      // Wait for the next second, spread a little so waiting callers do not all retry at once.
      await new Promise((resolve) => setTimeout(resolve, (second + 1) * 1000 - now + Math.random() * 50));
    }
  }
}
