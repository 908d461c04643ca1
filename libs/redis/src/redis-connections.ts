import type { OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { connectRedis } from './redis-profiles';

/**
 * The long-lived Redis connections of one process besides BullMQ's: at most one `commands` connection
 * (shared by every cache, counter and limiter) and one `subscriber` connection (shared by every channel
 * it listens to), each opened on first use and closed when the process shuts down.
 */
export class RedisConnections implements OnApplicationShutdown {
  private readonly opened = new Map<'commands' | 'subscriber', Redis>();

  constructor(private readonly url: string) {}

  /** The process's connection for commands an answer waits for (see `RedisProfile`). */
  get commands(): Redis {
    return this.open('commands');
  }

  /** The process's pub/sub connection: it subscribes, and does nothing else. */
  get subscriber(): Redis {
    return this.open('subscriber');
  }

  /** How many connections are open (a process needs no more than BullMQ's plus these). */
  get count(): number {
    return this.opened.size;
  }

  onApplicationShutdown(): void {
    for (const redis of this.opened.values()) redis.disconnect();
    this.opened.clear();
  }

  private open(profile: 'commands' | 'subscriber'): Redis {
    let redis = this.opened.get(profile);
    if (!redis) {
      redis = connectRedis(this.url, profile);
      this.opened.set(profile, redis);
    }
    return redis;
  }
}
