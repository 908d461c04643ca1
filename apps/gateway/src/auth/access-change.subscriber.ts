import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { accessChangedChannel, CredentialVerifier } from '@oshift/access';
import { withinTimeout } from '@oshift/observability';

const SUBSCRIBE_WAIT_MS = 3000;

/**
 * Listens on `<REDIS_PREFIX>:access-changed` and drops the cached credentials of each user named there,
 * so a password, status or grant change takes effect on this gateway at once. After a lost connection
 * (notices may have been missed meanwhile) it drops every cached credential. The cache's short TTL
 * remains the safety net while Redis is away.
 */
@Injectable()
export class AccessChangeSubscriber implements OnModuleInit {
  private readonly logger = new Logger(AccessChangeSubscriber.name);
  private readonly channel: string;

  constructor(
    private readonly verifier: CredentialVerifier,
    /** The process's `subscriber` connection (shared with other channels): it queues and retries for ever. */
    private readonly connection: Redis,
    redisPrefix: string,
  ) {
    this.channel = accessChangedChannel(redisPrefix);
  }

  async onModuleInit(): Promise<void> {
    const { channel, connection } = this;
    let lost = false;
    connection.on('message', (from: string, userId: string) => {
      if (from === channel) this.verifier.forgetUser(userId);
    });
    connection.on('error', (error: Error) => {
      if (!lost) this.logger.warn({ msg: 'access-change notices unavailable', error: error.message });
      lost = true;
    });
    connection.on('close', () => (lost = true));
    connection.on('ready', () => {
      if (!lost) return;
      lost = false;
      // Once the PING answers, the resubscription sent before it is in place: forget what may be stale.
      void connection
        .ping()
        .catch(() => undefined)
        .then(() => {
          this.verifier.forgetAll();
          this.logger.log({ msg: 'access-change notices back: cached credentials dropped' });
        });
    });
    // Waits a little for Redis at start; the subscription is made whenever it answers.
    await withinTimeout(connection.subscribe(channel), SUBSCRIBE_WAIT_MS).catch((error: unknown) =>
      this.logger.warn({ msg: 'could not subscribe to access changes', error: String(error) }),
    );
  }
}
