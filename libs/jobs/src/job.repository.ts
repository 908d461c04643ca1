import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditAction, AuditLog } from '@oshift/audit';
import { JobEndLine, type JobState } from './job-state';
import { JobEntity } from './job.entity';
import type { JobOutput } from './job-output';
import { RebootAlreadyRunningError } from './job.errors';

export interface NewRebootJob {
  id: string;
  clusterId: string;
  target: string;
  requestedBy: string;
  requestId: string | null;
  deadlineAt: Date;
}

const UNIQUE_VIOLATION = '23505';

/** One handler's right to act on a job until `ttlMs` after its last renewal. */
export interface JobLease {
  jobId: string;
  /** Unique per handler run (process and attempt). */
  owner: string;
  ttlMs: number;
}

/** Jobs and their output lines in Postgres: the source of truth for every reboot. */
@Injectable()
export class JobRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a queued reboot job, and with it (same transaction) whatever `alsoRecord` writes: the audit
   * record of the request. Throws {@link RebootAlreadyRunningError} when the node already has an active
   * job (the partial unique index decides, so two concurrent requests cannot both win).
   */
  createQueued(job: NewRebootJob, alsoRecord: (manager: EntityManager) => Promise<void> = async () => undefined) {
    return this.dataSource.transaction(async (manager) => {
      await this.insertQueued(job, manager);
      await alsoRecord(manager);
    });
  }

  private async insertQueued(job: NewRebootJob, manager: EntityManager): Promise<void> {
    try {
      // In a savepoint: the caller's transaction (job + audit record) must survive a conflict to answer 409.
      await manager.transaction((inner) => inner.insert(JobEntity, { ...job, state: 'queued' }));
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code !== UNIQUE_VIOLATION) throw error;
      const active = await manager.findOne(JobEntity, {
        select: { id: true },
        where: [
          { clusterId: job.clusterId, target: job.target, state: 'queued' },
          { clusterId: job.clusterId, target: job.target, state: 'running' },
        ],
      });
      throw new RebootAlreadyRunningError(active?.id ?? '', job.clusterId);
    }
  }

  /** Removes a job that was never handed to a worker (its enqueue failed). */
  async discardQueued(jobId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM jobs WHERE id = $1 AND state = 'queued' AND attempts = 0`, [jobId]);
  }

  find(jobId: string): Promise<JobEntity | null> {
    return this.dataSource.manager.findOne(JobEntity, { where: { id: jobId } });
  }

  /** Output and errors of a job of this cluster, or null when there is no such job in the cluster. */
  async readOutput(clusterId: string, jobId: string): Promise<JobOutput | null> {
    const rows: { errors: string; lines: string[] | null }[] = await this.dataSource.query(
      `SELECT j.errors,
              (SELECT array_agg(l.line ORDER BY l.seq) FROM job_lines l WHERE l.job_id = j.id) AS lines
         FROM jobs j
        WHERE j.id = $1 AND j.cluster_id = $2`,
      [jobId, clusterId],
    );
    if (rows.length === 0) return null;
    return { output: (rows[0].lines ?? []).join('\n'), errors: rows[0].errors };
  }

  /**
   * Claims a job for one handler: marks it running, counts the attempt and takes its lease. Null when
   * the job has ended, or another handler holds a lease that has not lapsed (it is being worked on).
   */
  async claim(lease: JobLease): Promise<JobEntity | null> {
    const rows = await this.changedRows(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
              lease_owner = $2, lease_until = now() + make_interval(secs => $3)
        WHERE id = $1 AND state IN ('queued', 'running')
          AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)
        RETURNING id`,
      [lease.jobId, lease.owner, lease.ttlMs / 1000],
    );
    return rows.length === 0 ? null : this.find(lease.jobId);
  }

  /** Gives the lease up early (the handler is stopping), so another worker may resume the job at once. */
  async release(lease: JobLease): Promise<void> {
    await this.dataSource.query(`UPDATE jobs SET lease_until = now() WHERE id = $1 AND lease_owner = $2`, [
      lease.jobId,
      lease.owner,
    ]);
  }

  /** Remembers which Nova server the job's node is. False when the lease was lost. */
  setServer(lease: JobLease, serverId: string): Promise<boolean> {
    return this.updateLeased(lease, { server_id: serverId });
  }

  /** Records that the reboot action is about to be sent (a resumed job then knows it may have been). */
  async markRebootAttempted(lease: JobLease, type: 'SOFT' | 'HARD'): Promise<Date | null> {
    const at = new Date();
    return (await this.updateLeased(lease, { reboot_attempted_at: at, reboot_type: type })) ? at : null;
  }

  /** Records that Nova accepted the reboot action. */
  async markRebootSent(lease: JobLease, type: 'SOFT' | 'HARD'): Promise<Date | null> {
    const at = new Date();
    return (await this.updateLeased(lease, { reboot_sent_at: at, reboot_type: type })) ? at : null;
  }

  /**
   * Appends one output line and renews the lease, in one statement. Lines are never rewritten, and
   * none is written once the job has ended or the lease is lost (false then).
   */
  async appendLine(lease: JobLease, line: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH held AS (
         UPDATE jobs SET lease_until = now() + make_interval(secs => $4)
          WHERE id = $1 AND lease_owner = $3 AND state IN ('queued', 'running')
          RETURNING id)
       INSERT INTO job_lines (job_id, seq, line)
       SELECT held.id, COALESCE((SELECT MAX(seq) FROM job_lines WHERE job_id = $1), 0) + 1, $2 FROM held
       RETURNING seq`,
      [lease.jobId, line, lease.owner, lease.ttlMs / 1000],
    );
    return rows.length > 0;
  }

  /**
   * Ends a job: appends `Done` or `Fail`, sets the final state and records `job.end` in the audit trail,
   * in one transaction. False when the job had already ended or the lease was lost.
   */
  finish(lease: JobLease, state: Extract<JobState, 'done' | 'failed'>, errors = ''): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      // Structured result: a plain `query` answers an UPDATE with [rows, count], never an empty array.
      const { records: ended } = (await manager.queryRunner!.query(
        `UPDATE jobs SET state = $3, errors = $4, finished_at = now(), lease_until = NULL
          WHERE id = $1 AND lease_owner = $2 AND state IN ('queued', 'running')
          RETURNING cluster_id, target, requested_by`,
        [lease.jobId, lease.owner, state, errors],
        true,
      )) as { records: { cluster_id: string; target: string; requested_by: string }[] };
      if (ended.length === 0) return false;
      await AuditLog.record(manager, {
        actor: 'worker',
        action: AuditAction.jobEnd,
        clusterId: ended[0].cluster_id,
        target: ended[0].target,
        outcome: state,
        detail: { jobId: lease.jobId, requestedBy: ended[0].requested_by, errors },
      });
      await manager.query(
        `INSERT INTO job_lines (job_id, seq, line)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2 FROM job_lines WHERE job_id = $1`,
        [lease.jobId, state === 'done' ? JobEndLine.done : JobEndLine.failed],
      );
      return true;
    });
  }

  private async updateLeased(lease: JobLease, columns: Record<string, unknown>): Promise<boolean> {
    const names = Object.keys(columns);
    const assignments = names.map((name, index) => `${name} = $${index + 3}`).join(', ');
    const rows = await this.changedRows(
      `UPDATE jobs SET ${assignments}
        WHERE id = $1 AND lease_owner = $2 AND state IN ('queued', 'running') RETURNING id`,
      [lease.jobId, lease.owner, ...names.map((name) => columns[name])],
    );
    return rows.length > 0;
  }

  /**
   * The rows an `UPDATE … RETURNING` changed. Wrapped in a CTE because TypeORM answers a bare UPDATE
   * with `[rows, count]` (never an empty array), which would make every lease check pass.
   */
  private changedRows(update: string, parameters: unknown[]): Promise<{ id: string }[]> {
    return this.dataSource.query(`WITH changed AS (${update}) SELECT id FROM changed`, parameters);
  }

  /** Jobs still owed an end, older than the given age: what the reconciler hands back to the queue. */
  async findActiveOlderThan(ageMs: number, limit = 500): Promise<Pick<JobEntity, 'id' | 'clusterId' | 'requestId'>[]> {
    const rows: { id: string; cluster_id: string; request_id: string | null }[] = await this.dataSource.query(
      `SELECT id, cluster_id, request_id FROM jobs
        WHERE state IN ('queued', 'running') AND created_at < now() - make_interval(secs => $1)
          AND (lease_until IS NULL OR lease_until < now())
        ORDER BY created_at LIMIT $2`,
      [ageMs / 1000, limit],
    );
    return rows.map((row) => ({ id: row.id, clusterId: row.cluster_id, requestId: row.request_id }));
  }
}
