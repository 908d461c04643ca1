import type { OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import type Redis from 'ioredis';
import { connectRedis, queueConnection } from './redis-profiles';
import { redisTarget, type RedisTarget, type RedisTargetInput } from './redis-target';

/**
 * The long-lived Redis connections of one process besides BullMQ's: at most one `commands` connection
 * (shared by every cache, counter and limiter) and one `subscriber` connection (shared by every channel
 * it listens to), each opened on first use and closed when the process shuts down. BullMQ's connection
 * options come from here too ({@link queue}), so every connection of a process goes to the same Redis
 * (a URL, Sentinel's primary, or a Cluster).
 */
export class RedisConnections implements OnApplicationShutdown {
  private readonly opened = new Map<'commands' | 'subscriber', Redis>();
  /** A cluster client handed to BullMQ, which does not close a client it was given. */
  private readonly handedToQueue: { disconnect(): void }[] = [];
  readonly target: RedisTarget;

  constructor(target: RedisTargetInput) {
    this.target = redisTarget(target);
  }

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

  /** BullMQ's connection for a process that enqueues (`producer`) or consumes (`consumer`), see `queueConnection`. */
  queue(role: 'producer' | 'consumer'): ConnectionOptions {
    const connection = queueConnection(this.target, role);
    if (this.target.kind === 'cluster') this.handedToQueue.push(connection as unknown as Redis);
    return connection;
  }

  onApplicationShutdown(): void {
    for (const redis of this.opened.values()) redis.disconnect();
    this.opened.clear();
    for (const client of this.handedToQueue.splice(0)) client.disconnect();
  }

  private open(profile: 'commands' | 'subscriber'): Redis {
    let redis = this.opened.get(profile);
    if (!redis) {
      redis = connectRedis(this.target, profile);
      this.opened.set(profile, redis);
    }
    return redis;
  }
}
