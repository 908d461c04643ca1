import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

/** The gateway's Redis connection for authentication (failed-login counters), besides BullMQ's. */
@Injectable()
export class AuthRedisClient implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(url: string) {
    // Fail fast rather than queue: throttling lets attempts through when Redis is away.
    this.client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
    this.client.on('error', () => undefined);
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
