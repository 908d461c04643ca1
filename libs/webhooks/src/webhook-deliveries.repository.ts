import type { DataSource } from 'typeorm';
import { queryRows } from '@oshift/persistence';
import type { DeliveryAttempt } from './webhook.sender';

/** A delivery with what it takes to send it: the webhook's URL and secret reference, and the ended job. */
export interface DeliveryToSend {
  id: string;
  state: 'pending' | 'delivered' | 'failed';
  createdAt: Date;
  /** The webhook's id: its sealed secret is bound to it. */
  webhookId: string;
  url: string;
  secretRef: string;
  job: {
    id: string;
    clusterId: string;
    target: string;
    type: 'SOFT' | 'HARD';
    state: 'done' | 'failed';
    errors: string;
    createdAt: string;
    endedAt: string | null;
  };
}

const RFC3339 = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** Webhook deliveries in Postgres: created with each job end (a trigger), then sent and their outcome kept. */
export class WebhookDeliveries {
  constructor(private readonly dataSource: DataSource) {}

  /** Deliveries of a job's end still to send. */
  async pendingOfJob(jobId: string): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `SELECT id FROM webhook_deliveries WHERE job_id = $1 AND state = 'pending'`,
      [jobId],
    );
    return rows.map((row) => row.id);
  }

  /** Pending deliveries older than `ageMs`: those the queue may have lost. */
  async pendingOlderThan(ageMs: number, limit = 500): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `SELECT id FROM webhook_deliveries
        WHERE state = 'pending' AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2`,
      [ageMs / 1000, limit],
    );
    return rows.map((row) => row.id);
  }

  async find(deliveryId: string): Promise<DeliveryToSend | null> {
    const rows = await queryRows<Record<string, unknown>>(
      this.dataSource,
      `SELECT d.id, d.state, d.created_at, w.id AS webhook_id, w.url, w.secret_ref,
              j.id AS job_id, j.cluster_id, j.target, j.reboot_type, j.state AS job_state, j.errors,
              to_char(j.created_at AT TIME ZONE 'UTC', ${RFC3339}) AS job_created_at,
              to_char(j.finished_at AT TIME ZONE 'UTC', ${RFC3339}) AS job_ended_at
         FROM webhook_deliveries d
         JOIN webhooks w ON w.id = d.webhook_id
         JOIN jobs j ON j.id = d.job_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id as string,
      state: row.state as DeliveryToSend['state'],
      createdAt: new Date(row.created_at as string),
      webhookId: row.webhook_id as string,
      url: row.url as string,
      secretRef: row.secret_ref as string,
      job: {
        id: row.job_id as string,
        clusterId: row.cluster_id as string,
        target: row.target as string,
        type: row.reboot_type as 'SOFT' | 'HARD',
        state: row.job_state as 'done' | 'failed',
        errors: row.errors as string,
        createdAt: row.job_created_at as string,
        endedAt: (row.job_ended_at as string | null) ?? null,
      },
    };
  }

  /** Keeps an attempt's outcome; `state` is where the delivery stands after it. */
  async recordAttempt(deliveryId: string, attempt: DeliveryAttempt, state: DeliveryToSend['state']): Promise<void> {
    await queryRows(
      this.dataSource,
      `UPDATE webhook_deliveries
          SET attempts = attempts + 1, last_status = $2, last_error = $3, last_attempt_at = now(), state = $4
        WHERE id = $1 AND state = 'pending'`,
      [deliveryId, attempt.status, attempt.error?.slice(0, 500) ?? null, state],
    );
  }
}
