import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { activeStateSql } from './job-state';
import type { JobLease } from './job-leases';

/** An ended job whose Alertmanager silence is still to be expired. */
export interface OwedSilence {
  jobId: string;
  silenceId: string;
}

const ACTIVE = activeStateSql();

/**
 * The Alertmanager silence of each reboot, on its job's row: created under the job's lease before the first
 * reboot POST, expired by whichever worker sees the job ended. Each change is audited in the same statement.
 */
@Injectable()
export class JobSilences {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Remembers the silence created for the job's node (or '' with the reason when it could not be), with its
   * `job.silence` audit record. False when the lease was lost (the job ended or another handler has it).
   */
  async record(lease: JobLease, silenceId: string, detail: Record<string, unknown>): Promise<boolean> {
    const outcome = silenceId ? AuditOutcome.accepted : AuditOutcome.failed;
    const values = AuditLog.values({ actor: 'worker', action: AuditAction.jobSilence, outcome, detail });
    const rows = await queryRows(
      this.dataSource,
      `WITH noted AS (
         UPDATE jobs SET silence_id = $2 WHERE id = $1 AND lease_owner = $3 AND ${ACTIVE}
         RETURNING id, cluster_id, target)
       INSERT INTO audit_events (${AUDIT_COLUMNS})
       SELECT $4, $5, $6, cluster_id, target, $7, jsonb_build_object('jobId', id) || $8::jsonb FROM noted
       RETURNING id`,
      [lease.jobId, silenceId, lease.owner, values[0], values[1], values[2], values[5], values[6]],
    );
    return rows.length > 0;
  }

  /** The silence of an ended job still to be expired, or null (none, already expired, or the job still runs). */
  async owedBy(jobId: string): Promise<OwedSilence | null> {
    const rows = await this.owed(`AND id = $1`, [jobId]);
    return rows[0] ?? null;
  }

  /** Up to `limit` ended jobs whose silence is still to be expired, those that ended first first. */
  owedSilences(limit: number): Promise<OwedSilence[]> {
    return this.owed(`ORDER BY finished_at LIMIT $1`, [limit]);
  }

  /**
   * Notes the job's silence expired (or gone from Alertmanager), with its audit record; false when another
   * worker noted it first.
   */
  async markExpired(owed: OwedSilence): Promise<boolean> {
    const values = AuditLog.values({
      actor: 'worker',
      action: AuditAction.jobSilence,
      outcome: AuditOutcome.ok,
      detail: { silenceId: owed.silenceId, expired: true },
    });
    const rows = await queryRows(
      this.dataSource,
      `WITH noted AS (
         UPDATE jobs SET silence_expired_at = now()
          WHERE id = $1 AND silence_id = $2 AND silence_expired_at IS NULL
         RETURNING id, cluster_id, target)
       INSERT INTO audit_events (${AUDIT_COLUMNS})
       SELECT $3, $4, $5, cluster_id, target, $6, jsonb_build_object('jobId', id) || $7::jsonb FROM noted
       RETURNING id`,
      [owed.jobId, owed.silenceId, values[0], values[1], values[2], values[5], values[6]],
    );
    return rows.length > 0;
  }

  private async owed(tail: string, parameters: unknown[]): Promise<OwedSilence[]> {
    const rows = await queryRows<{ id: string; silence_id: string }>(
      this.dataSource,
      `SELECT id, silence_id FROM jobs
        WHERE silence_id <> '' AND silence_expired_at IS NULL AND state IN ('done', 'failed') ${tail}`,
      parameters,
    );
    return rows.map((row) => ({ jobId: row.id, silenceId: row.silence_id }));
  }
}
