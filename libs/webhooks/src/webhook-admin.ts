import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { type ClusterSecrets, webhookSecretBinding } from '@oshift/node-registry';
import type { WebhookTestEvent } from './webhook-event';
import { webhookSecretProblem } from './webhook-secret';
import { checkWebhookUrl, type WebhookUrlPolicy } from './webhook-url.policy';
import type { DeliveryAttempt, WebhookSender } from './webhook.sender';

/** An operator's webhook change could not be made (unknown cluster or webhook, refused URL). */
export class WebhookAdminError extends Error {
  override readonly name = 'WebhookAdminError';
}

/** A webhook as `webhook list` shows it, with its latest delivery. Never its secret. */
export interface WebhookView {
  id: string;
  clusterId: string;
  url: string;
  createdBy: string;
  createdAt: Date;
  lastDelivery: {
    event: string;
    state: 'pending' | 'delivered' | 'failed';
    attempts: number;
    status: number | null;
    error: string | null;
    at: Date | null;
  } | null;
}

export interface WebhookAdminOptions {
  /** Recorded as the `source` of every audit event (e.g. `cli:<host>`). */
  source?: string | null;
  secrets: ClusterSecrets;
  policy: WebhookUrlPolicy;
  sender: WebhookSender;
}

/**
 * Operator changes to webhooks: add (the signing secret sealed like cluster secrets), list, remove, and a
 * signed test delivery. Each change is audited in its transaction; the trail names the URL's origin only
 * (a path may carry a receiver's token).
 */
export class WebhookAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: WebhookAdminOptions,
  ) {}

  async add(clusterId: string, url: string, secret: string, actor: string): Promise<string> {
    let checked: URL;
    try {
      checked = checkWebhookUrl(url, this.options.policy);
    } catch (error) {
      throw new WebhookAdminError(`webhook URL refused: ${(error as Error).message}`);
    }
    const problem = webhookSecretProblem(secret);
    if (problem) throw new WebhookAdminError(problem);
    // The id is chosen here so the secret can be sealed for its row before the row exists.
    const id = randomUUID();
    const secretRef = this.options.secrets.seal(secret, webhookSecretBinding(id));
    return this.dataSource.transaction(async (manager) => {
      const clusters = await queryRows<unknown>(manager, `SELECT 1 FROM clusters WHERE id = $1`, [clusterId]);
      if (clusters.length === 0) throw new WebhookAdminError(`cluster ${clusterId} is not registered`);
      const [row] = await queryRows<{ id: string }>(
        manager,
        `INSERT INTO webhooks (id, cluster_id, url, secret_ref, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [id, clusterId, checked.toString(), secretRef, actor],
      );
      await this.audit(manager, actor, AuditAction.webhookAdd, clusterId, row!.id, checked);
      return row!.id;
    });
  }

  async list(clusterId?: string): Promise<WebhookView[]> {
    const rows = await queryRows<Record<string, unknown>>(
      this.dataSource,
      `SELECT w.id, w.cluster_id, w.url, w.created_by, w.created_at,
              d.event, d.state, d.attempts, d.last_status, d.last_error, d.last_attempt_at, d.id AS delivery_id
         FROM webhooks w
         LEFT JOIN LATERAL (
           SELECT * FROM webhook_deliveries d WHERE d.webhook_id = w.id ORDER BY d.created_at DESC LIMIT 1
         ) d ON true
        WHERE $1::text IS NULL OR w.cluster_id = $1
        ORDER BY w.cluster_id, w.created_at`,
      [clusterId ?? null],
    );
    return rows.map((row) => ({
      id: row.id as string,
      clusterId: row.cluster_id as string,
      url: row.url as string,
      createdBy: row.created_by as string,
      createdAt: row.created_at as Date,
      lastDelivery: row.delivery_id
        ? {
            event: row.event as string,
            state: row.state as 'pending' | 'delivered' | 'failed',
            attempts: row.attempts as number,
            status: (row.last_status as number | null) ?? null,
            error: (row.last_error as string | null) ?? null,
            at: (row.last_attempt_at as Date | null) ?? null,
          }
        : null,
    }));
  }

  async remove(id: string, actor: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [row] = await queryRows<{ cluster_id: string; url: string }>(
        manager,
        `DELETE FROM webhooks WHERE id = $1 RETURNING cluster_id, url`,
        [asUuid(id)],
      );
      if (!row) throw new WebhookAdminError(`no webhook ${id}`);
      await this.audit(manager, actor, AuditAction.webhookRemove, row.cluster_id, id, new URL(row.url));
    });
  }

  /** Sends a signed `webhook.test` event now and keeps the outcome as the webhook's latest delivery. */
  async test(id: string): Promise<DeliveryAttempt> {
    const [webhook] = await queryRows<{ id: string; cluster_id: string; url: string; secret_ref: string }>(
      this.dataSource,
      `SELECT id, cluster_id, url, secret_ref FROM webhooks WHERE id = $1`,
      [asUuid(id)],
    );
    if (!webhook) throw new WebhookAdminError(`no webhook ${id}`);
    // Opened before anything is recorded or sent: a secret moved here from another row sends nothing.
    const secret = this.options.secrets.unseal(webhook.secret_ref, webhookSecretBinding(webhook.id));
    const [delivery] = await queryRows<{ id: string }>(
      this.dataSource,
      `INSERT INTO webhook_deliveries (webhook_id, event) VALUES ($1, 'webhook.test') RETURNING id`,
      [id],
    );
    const event: WebhookTestEvent = {
      event: 'webhook.test',
      webhook_id: id,
      cluster: webhook.cluster_id,
      sent_at: new Date().toISOString(),
    };
    const attempt = await this.options.sender.send(webhook.url, secret, event, delivery!.id);
    await queryRows(
      this.dataSource,
      `UPDATE webhook_deliveries SET state = $2, attempts = 1, last_status = $3, last_error = $4, last_attempt_at = now()
        WHERE id = $1`,
      [delivery!.id, attempt.ok ? 'delivered' : 'failed', attempt.status, attempt.error],
    );
    return attempt;
  }

  private audit(
    manager: DataSource['manager'],
    actor: string,
    action: AuditAction,
    clusterId: string,
    id: string,
    url: URL,
  ): Promise<void> {
    return AuditLog.record(manager, {
      actor,
      source: this.options.source ?? null,
      action,
      clusterId,
      target: id,
      outcome: AuditOutcome.ok,
      detail: { origin: url.origin },
    });
  }
}

function asUuid(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new WebhookAdminError(`no webhook ${id}`);
  }
  return id;
}
