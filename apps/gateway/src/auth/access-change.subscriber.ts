import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { accessChangedChannel, CredentialVerifier } from '@oshift/access';

const SUBSCRIBE_WAIT_MS = 3000;

/**
 * Listens on `<REDIS_PREFIX>:access-changed` and drops the cached credentials of each user named there,
 * so a password, status or grant change takes effect on this gateway at once. After a lost connection
 * (notices may have been missed meanwhile) it drops every cached credential. The cache's short TTL
 * remains the safety net while Redis is away.
 */
@Injectable()
export class AccessChangeSubscriber implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AccessChangeSubscriber.name);
  private connection?: Redis;

  constructor(
    private readonly verifier: CredentialVerifier,
    private readonly options: { redisUrl: string; redisPrefix: string },
  ) {}

  async onModuleInit(): Promise<void> {
    const channel = accessChangedChannel(this.options.redisPrefix);
    // Its own connection: a subscribed connection can do nothing else. It queues and retries for ever.
    const connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    this.connection = connection;
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
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connection.subscribe(channel),
      new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS))),
    ])
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'could not subscribe to access changes', error: String(error) }),
      )
      .finally(() => clearTimeout(timer));
  }

  onApplicationShutdown(): void {
    this.connection?.disconnect();
  }
}
