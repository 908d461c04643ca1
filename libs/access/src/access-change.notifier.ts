import type Redis from 'ioredis';

/**
 * Told, after the change has committed, that a user's password, status or grants changed, so every
 * gateway can drop the credentials it cached for that user. Implementations never reject: the change
 * is made whatever happens to the notice, and the credential cache's short TTL is the safety net.
 */
export interface AccessChangeNotifier {
  accessChanged(userId: string): Promise<void>;
}

/** The Redis pub/sub channel carrying the ids of users whose access changed. */
export function accessChangedChannel(redisPrefix: string): string {
  return `${redisPrefix}:access-changed`;
}

/** Publishes access changes on Redis (`<prefix>:access-changed`, payload: the user id). */
export class RedisAccessChangeNotifier implements AccessChangeNotifier {
  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    /** Called when a notice could not be published. */
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  async accessChanged(userId: string): Promise<void> {
    try {
      await this.redis.publish(accessChangedChannel(this.redisPrefix), userId);
    } catch (error) {
      this.onFailure(error);
    }
  }
}
