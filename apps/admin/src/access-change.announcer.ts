import type { Writable } from 'node:stream';
import type Redis from 'ioredis';
import { type AccessChangeNotifier, RedisAccessChangeNotifier } from '@oshift/access';
import { withinTimeout } from '@oshift/observability';
import { connectRedis } from '@oshift/redis';
import type { AdminConfig } from './admin.config';

const PUBLISH_TIMEOUT_MS = 5000;
const FALLBACK = 'gateways pick the change up within CREDENTIAL_CACHE_TTL_SECONDS (60 s by default)';

/**
 * Tells the gateways about access changes made with the CLI: on Redis when `REDIS_URL` is set (they
 * drop the user's cached credentials at once), otherwise a note to the operator about the delay.
 */
export class AccessChangeAnnouncer implements AccessChangeNotifier {
  private redis?: Redis;

  constructor(
    private readonly config: AdminConfig['redis'],
    private readonly stderr: Writable,
  ) {}

  async accessChanged(userId: string): Promise<void> {
    if (!this.config) {
      this.stderr.write(`note: REDIS_URL is not set, so ${FALLBACK}\n`);
      return;
    }
    // One attempt, no reconnection: a CLI run must end, whatever Redis does.
    this.redis ??= connectRedis(this.config.target, 'one-shot', { connectTimeout: PUBLISH_TIMEOUT_MS });
    const warn = (error: unknown) => {
      const reason = (error instanceof Error ? error.message : String(error)).replace(/\/\/[^/@\s]*@/g, '//***@');
      this.stderr.write(`warning: could not tell the gateways (${reason.split('\n')[0]}); ${FALLBACK}\n`);
    };
    await withinTimeout(
      new RedisAccessChangeNotifier(this.redis, this.config.prefix, warn).accessChanged(userId),
      PUBLISH_TIMEOUT_MS,
      () => new Error('Redis did not answer in time'),
    ).catch(warn);
  }

  close(): void {
    // A connection that already ended (refused, and one-shot never retries) has nothing left to close: disconnecting
    // it anyway starts ioredis' 2 s timer to destroy a socket that is gone, which holds the CLI's caller that long.
    if (this.redis?.status !== 'end') this.redis?.disconnect();
    this.redis = undefined;
  }
}
