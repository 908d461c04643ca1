import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '@oshift/persistence';

/** The tables retention deletes from: ended jobs with the rows that belong to them, and the audit trail. */
export const RetentionTables = ['jobs', 'job_lines', 'webhook_deliveries', 'idempotency_keys', 'audit_events'] as const;
export type RetentionTable = (typeof RetentionTables)[number];

/** Rows deleted, by table. */
export type RetentionCounts = Record<RetentionTable, number>;

/** What retention deletes: ended jobs (with their rows) that ended before `jobsBefore`, audit events before `auditBefore`. */
export interface RetentionCutoffs {
  jobsBefore: Date;
  auditBefore: Date;
}

/** Only one process deletes at a time: each batch holds this lock for its own short transaction. */
const RETENTION_LOCK_SQL = `SELECT pg_try_advisory_xact_lock(hashtext('oshift.retention')) AS locked`;
const WAIT_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('oshift.retention')) IS NOT NULL AS locked`;

/**
 * Ended jobs that ended before `$1`, oldest first (read from `jobs_ended_idx`), but never a step of a rolling
 * reboot still running: the rolling reboot reads its ended steps to know which nodes it has rebooted, and would
 * reboot a pruned one again.
 */
const ENDED_JOBS = `FROM jobs WHERE state IN ('done', 'failed') AND coalesce(finished_at, created_at) < $1
   AND NOT EXISTS (SELECT 1 FROM jobs rolling WHERE rolling.id = jobs.parent_id AND rolling.state IN ('queued', 'running'))`;

/**
 * One batch of at most `$2` ended jobs and, in the same statement, their output lines, webhook deliveries and
 * idempotency keys (deleted here rather than by the foreign keys' cascades, so that each table's count is known);
 * with them, at most `$2` of the operators' test deliveries (`webhook.test`, no job) made before `$1`.
 */
export const JOBS_BATCH_SQL = `
  WITH batch AS (SELECT id ${ENDED_JOBS} ORDER BY coalesce(finished_at, created_at) LIMIT $2 FOR UPDATE SKIP LOCKED),
       lines AS (DELETE FROM job_lines WHERE job_id IN (SELECT id FROM batch) RETURNING 1),
       deliveries AS (DELETE FROM webhook_deliveries WHERE job_id IN (SELECT id FROM batch) RETURNING 1),
       tests AS (DELETE FROM webhook_deliveries WHERE id IN (
                   SELECT id FROM webhook_deliveries WHERE job_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2
                 ) RETURNING 1),
       keys AS (DELETE FROM idempotency_keys WHERE job_id IN (SELECT id FROM batch) RETURNING 1),
       gone AS (DELETE FROM jobs WHERE id IN (SELECT id FROM batch) RETURNING 1)
  SELECT (SELECT count(*) FROM gone)::int AS jobs, (SELECT count(*) FROM lines)::int AS job_lines,
         (SELECT count(*) FROM deliveries)::int + (SELECT count(*) FROM tests)::int AS webhook_deliveries,
         (SELECT count(*) FROM keys)::int AS idempotency_keys, (SELECT count(*) FROM tests)::int AS test_deliveries`;

/** One batch of at most `$2` audit events from before `$1`, oldest first (read from `audit_events_at_idx`). */
export const AUDIT_BATCH_SQL = `
  WITH gone AS (DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2)
                RETURNING 1)
  SELECT count(*)::int AS audit_events FROM gone`;

/** The oldest rows kept, from the same indexes (see {@link JobRetention.oldestKept}). */
export const OLDEST_KEPT_SQL = `
  WITH oldest AS (SELECT id, coalesce(finished_at, created_at) AS ended FROM jobs WHERE state IN ('done', 'failed')
                   ORDER BY coalesce(finished_at, created_at) LIMIT 1)
  SELECT (SELECT ended FROM oldest) AS jobs,
         (SELECT min(created_at) FROM job_lines WHERE job_id = (SELECT id FROM oldest)) AS job_lines,
         least((SELECT min(created_at) FROM webhook_deliveries WHERE job_id = (SELECT id FROM oldest)),
               (SELECT min(created_at) FROM webhook_deliveries WHERE job_id IS NULL)) AS webhook_deliveries,
         (SELECT min(created_at) FROM idempotency_keys WHERE job_id = (SELECT id FROM oldest)) AS idempotency_keys,
         (SELECT at FROM audit_events ORDER BY at LIMIT 1) AS audit_events`;

/** How {@link JobRetention.run} goes: what it tells after each batch, when it stops, whether it waits for the lock. */
export interface RetentionRunOptions {
  onBatch?: (counts: RetentionCounts) => void;
  stop?: () => boolean;
  wait?: boolean;
}

/** The rows a pass deleted; `interrupted` when it stopped before the end (lock taken, or asked to stop). */
export type RetentionRun = RetentionCounts & { interrupted: boolean };

/** Nothing deleted yet. */
export function noRetentionCounts(): RetentionCounts {
  return { jobs: 0, job_lines: 0, webhook_deliveries: 0, idempotency_keys: 0, audit_events: 0 };
}

/**
 * Retention in small batches, each its own short transaction and statement, so that no lock and no snapshot is
 * held for long: ended jobs with their lines, deliveries and keys, then audit events (whose append-only trigger
 * lets a transaction that says `oshift.retention = prune` delete). A job still queued or running is never
 * deleted. Only one process deletes at a time (a transaction-scoped advisory lock per batch): a batch that finds
 * the lock taken deletes nothing and answers null. Shared by the workers' sweeps and the operator's `admin prune`.
 */
@Injectable()
export class JobRetention {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One batch of ended jobs (and of test deliveries): the rows deleted by table, `full` when either filled the
   * batch (there may be more), or null when another process holds the lock.
   */
  async deleteJobsBatch(
    before: Date,
    batchSize: number,
    wait = false,
  ): Promise<(RetentionCounts & { full: boolean }) | null> {
    return this.locked(wait, async (manager) => {
      const [{ test_deliveries, ...row }] = await queryRows<
        Omit<RetentionCounts, 'audit_events'> & { test_deliveries: number }
      >(manager, JOBS_BATCH_SQL, [before, batchSize]);
      return { ...row, audit_events: 0, full: row.jobs >= batchSize || test_deliveries >= batchSize };
    });
  }

  /** One batch of audit events: the rows deleted, or null when another process holds the lock. */
  async deleteAuditBatch(before: Date, batchSize: number, wait = false): Promise<number | null> {
    return this.locked(wait, async (manager) => {
      // The append-only trigger lets only a transaction that says so delete audit events (see AuditRetention).
      await manager.query(`SELECT set_config('oshift.retention', 'prune', true)`);
      const [row] = await queryRows<{ audit_events: number }>(manager, AUDIT_BATCH_SQL, [before, batchSize]);
      return row.audit_events;
    });
  }

  /**
   * Batches until nothing is older than the cutoffs (a batch smaller than `batchSize` is the last), calling
   * `onBatch` with each batch's counts. Stops early when another process holds the lock (unless `wait`: then each
   * batch waits for it, as the operator's prune does), or when `stop` says so between two batches (a worker
   * shutting down). Answers the totals.
   */
  async run(cutoffs: RetentionCutoffs, batchSize: number, options: RetentionRunOptions = {}): Promise<RetentionRun> {
    const { onBatch = () => undefined, stop = () => false, wait = false } = options;
    const totals = noRetentionCounts();
    const add = (counts: RetentionCounts) => {
      for (const table of RetentionTables) totals[table] += counts[table];
      onBatch(counts);
    };
    for (;;) {
      if (stop()) return { ...totals, interrupted: true };
      const batch = await this.deleteJobsBatch(cutoffs.jobsBefore, batchSize, wait);
      if (!batch) return { ...totals, interrupted: true };
      const { full, ...counts } = batch;
      add(counts);
      if (!full) break;
    }
    for (;;) {
      if (stop()) return { ...totals, interrupted: true };
      const deleted = await this.deleteAuditBatch(cutoffs.auditBefore, batchSize, wait);
      if (deleted === null) return { ...totals, interrupted: true };
      add({ ...noRetentionCounts(), audit_events: deleted });
      if (deleted < batchSize) break;
    }
    return { ...totals, interrupted: false };
  }

  /** What {@link run} would delete, counted and not deleted (the operator's dry run). */
  async count(cutoffs: RetentionCutoffs): Promise<Pick<RetentionCounts, 'jobs' | 'job_lines' | 'audit_events'>> {
    const [row] = await queryRows<Pick<RetentionCounts, 'jobs' | 'job_lines' | 'audit_events'>>(
      this.dataSource,
      `SELECT (SELECT count(*) ${ENDED_JOBS})::int AS jobs,
              (SELECT count(*) FROM job_lines WHERE job_id IN (SELECT id ${ENDED_JOBS}))::int AS job_lines,
              (SELECT count(*) FROM audit_events WHERE at < $2)::int AS audit_events`,
      [cutoffs.jobsBefore, cutoffs.auditBefore],
    );
    return row;
  }

  /**
   * The oldest row kept, by table (null: none). For jobs, the end of the oldest ended job (active jobs are never
   * deleted, whatever their age); the lines, deliveries and keys go with their job, so theirs are the oldest of
   * that job's; for audit events, the oldest event. Each is one index probe, whatever the tables' size.
   */
  async oldestKept(): Promise<Record<RetentionTable, Date | null>> {
    const [row] = await queryRows<Record<RetentionTable, Date | null>>(this.dataSource, OLDEST_KEPT_SQL);
    return row;
  }

  /** `work` in its own transaction holding the retention lock (waited for, or not: then null when taken). */
  private async locked<T>(wait: boolean, work: (manager: EntityManager) => Promise<T>): Promise<T | null> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await queryRows<{ locked: boolean }>(manager, wait ? WAIT_LOCK_SQL : RETENTION_LOCK_SQL);
      return locked ? work(manager) : null;
    });
  }
}
