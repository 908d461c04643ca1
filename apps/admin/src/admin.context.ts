import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AccessAdmin, accessEntities, PasswordHasher } from '@oshift/access';
import { auditEntities } from '@oshift/audit';
import { ClusterPolicyAdmin } from '@oshift/jobs';
import { ClusterAdmin, ClusterSecrets, nodeRegistryEntities } from '@oshift/node-registry';
import { dataSourceOptions } from '@oshift/persistence';
import { WebhookAdmin, WebhookSender } from '@oshift/webhooks';
import { CommandError } from './command.error';
import { AccessChangeAnnouncer } from './access-change.announcer';
import type { AdminConfig } from './admin.config';
import { SecretInput, type SecretSource } from './secret-input';

export interface AdminIo {
  stdin: SecretSource;
  stdout: Writable;
  stderr: Writable;
}

/**
 * What a command may use: configuration and database opened on first use (so `help` and usage
 * errors need neither), the admin services, secret input and output.
 */
export class AdminContext {
  private loadedConfig?: AdminConfig;
  private database?: Promise<DataSource>;
  private announcer?: AccessChangeAnnouncer;
  readonly secrets: SecretInput;

  constructor(
    private readonly io: AdminIo,
    private readonly loadConfig: () => AdminConfig,
  ) {
    this.secrets = new SecretInput(io.stdin, io.stderr);
  }

  get config(): AdminConfig {
    return (this.loadedConfig ??= this.loadConfig());
  }

  dataSource(): Promise<DataSource> {
    this.database ??= (async () => {
      // No query logging: failed statements would print their parameters, password hashes included.
      const dataSource = new DataSource({
        ...dataSourceOptions({ url: this.config.database.url, poolSize: 2 }, [
          ...accessEntities,
          ...auditEntities,
          ...nodeRegistryEntities,
        ]),
        logging: false,
      });
      return dataSource.initialize();
    })();
    return this.database;
  }

  async accessAdmin(): Promise<AccessAdmin> {
    this.announcer ??= new AccessChangeAnnouncer(this.config.redis, this.io.stderr);
    return new AccessAdmin(await this.dataSource(), new PasswordHasher(), {
      source: this.config.source,
      notifier: this.announcer,
    });
  }

  async clusterAdmin(): Promise<ClusterAdmin> {
    this.announcer ??= new AccessChangeAnnouncer(this.config.redis, this.io.stderr);
    const announcer = this.announcer;
    return new ClusterAdmin(await this.dataSource(), {
      source: this.config.source,
      accessChanged: (userId) => announcer.accessChanged(userId),
      secretEnvPrefix: this.config.secrets.envPrefix,
    });
  }

  /** Clusters' reboot rules (roles, parallelism, cooldown). */
  async clusterPolicyAdmin(): Promise<ClusterPolicyAdmin> {
    return new ClusterPolicyAdmin(await this.dataSource(), { source: this.config.source });
  }

  /**
   * What seals secrets under CLUSTER_SECRET_KEY, each bound to its row and field, and opens them (with
   * CLUSTER_SECRET_KEY_PREVIOUS too); `refusal` is the error without a key. It resolves no `env:` reference.
   */
  sealedSecrets(refusal: string): ClusterSecrets {
    if (!this.config.secrets.encryptionKey) throw new CommandError(refusal);
    return new ClusterSecrets({ ...this.config.secrets, env: {} });
  }

  /** Webhooks; their signing secrets are sealed under CLUSTER_SECRET_KEY, like cluster secrets. */
  async webhookAdmin(): Promise<WebhookAdmin> {
    const secrets = this.sealedSecrets(
      'webhooks need CLUSTER_SECRET_KEY (32 bytes, base64) to seal their signing secrets',
    );
    const policy = { allowLoopback: this.config.webhookAllowLoopback, allowCidrs: this.config.webhookAllowCidrs };
    return new WebhookAdmin(await this.dataSource(), {
      source: this.config.source,
      secrets,
      policy,
      sender: new WebhookSender(policy),
    });
  }

  /** Writes lines to stdout. */
  print(...lines: string[]): void {
    if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Writes a line to stderr: what went wrong with one item of a command that goes on with the others. */
  warn(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  async close(): Promise<void> {
    this.announcer?.close();
    const database = this.database;
    this.database = undefined;
    if (database) await database.then((dataSource) => dataSource.destroy()).catch(() => undefined);
  }
}
