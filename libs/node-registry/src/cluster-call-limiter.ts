import type { Redis } from 'ioredis';

/**
 * A per-cluster ceiling on calls to a customer's OpenStack, shared by every process through Redis
 * (a counter per cluster per second), so adding workers cannot hammer one customer's cloud.
 * When Redis does not answer, calls go ahead: a reboot is not held hostage by the limiter.
 */
export class ClusterCallLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** Calls per second per cluster, across all processes. */
    readonly perSecond: number,
  ) {}

  /** Resolves when this process may make one more call to the cluster's OpenStack. */
  async acquire(clusterId: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const second = Math.floor(now / 1000);
      const key = `${this.keyPrefix}:openstack-calls:${clusterId}:${second}`;
      let calls: number;
      try {
        const result = await this.redis.multi().incr(key).pexpire(key, 2000).exec();
        calls = Number(result?.[0]?.[1] ?? 0);
      } catch {
        return;
      }
      if (calls <= this.perSecond) return;
      // Wait for the next second, spread a little so waiting callers do not all retry at once.
      await new Promise((resolve) => setTimeout(resolve, (second + 1) * 1000 - now + Math.random() * 50));
    }
  }
}
