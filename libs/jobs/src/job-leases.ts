import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { activeStateSql, JobEndLine, type JobState, releasedOnEndSql } from './job-state';
import { JobEntity, type NodePhase } from './job.entity';
import { jobFromRow, WITH_DB_NOW } from './job-row';
import type { JobLine } from './job-view';
import { LINE_VIEW } from './job-views.repository';

/** One handler's right to act on a job until `ttlMs` after its last renewal. */
export interface JobLease {
  jobId: string;
  /** Unique per handler run (process and attempt). */
  owner: string;
  ttlMs: number;
  /** The trace the handler runs in (W3C `traceparent`), kept with the job when it claims it; none with tracing off. */
  traceContext?: string;
}

/** The job's columns a reconciler needs to hand it back to the queue. */
export type OrphanedJob = Pick<JobEntity, 'id' | 'clusterId' | 'requestId' | 'deadlineAt'> &
  Partial<Pick<JobEntity, 'notBefore'>>;

/** One reboot POST and what Nova made of it, recorded in the audit trail (`job.reboot`). */
export interface RebootAttempt {
  type: 'SOFT' | 'HARD';
  /** When it was recorded as attempted (just before the POST). */
  at: Date;
  /** What came back: `accepted`, `locked`, `busy`, `noAnswer`, … (see `RebootAnswer` of the OpenStack client). */
  result: string;
  novaRequestId?: string;
  /** Nova's words, when it refused or failed. */
  message?: string;
}

/** What a job records of its node's side in the cluster's API ({@link JobLeases.noteNode}); absent: unchanged. */
export interface NodeRecord {
  kubeNode?: string;
  nodePhase?: NodePhase;
  cordonedByJob?: boolean;
  bootIdBefore?: string;
  /** Stamp the drain's start (once; a resumed drain keeps the first). */
  drainStarted?: boolean;
  /** The progress line just said. */
  nodeLine?: string;
}

const ACTIVE = activeStateSql();

/**
 * Marks a job's reboot attempted (see {@link JobLeases.markRebootAttempted}); also run by the last check of the
 * cluster's rules before a first POST, under the cluster's lock. Parameters: {@link markAttemptedParameters}.
 */
export const MARK_ATTEMPTED_SQL = `
  UPDATE jobs SET reboot_attempted_at = now(), reboot_type = $3, reboot_actions_before = $4,
         reboot_request_id = NULL, lease_until = now() + make_interval(secs => $5)
   WHERE id = $1 AND lease_owner = $2 AND ${ACTIVE} AND lease_until > now() AND admitted_at IS NOT NULL
   RETURNING reboot_attempted_at`;

/** The parameters of {@link MARK_ATTEMPTED_SQL}. */
export function markAttemptedParameters(lease: JobLease, type: 'SOFT' | 'HARD', actionsBefore: string): unknown[] {
  return [lease.jobId, lease.owner, type, actionsBefore, lease.ttlMs / 1000];
}

/**
 * The jobs as the worker sees them: a handler claims a job under a lease, records each step while it holds
 * the lease, and ends it; every leased write answers whether the lease still held. (The gateway's side is
 * {@link JobRequests}.)
 */
@Injectable()
export class JobLeases {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(jobId: string): Promise<JobEntity | null> {
    return this.dataSource.manager.findOne(JobEntity, { where: { id: jobId } });
  }

  /**
   * Claims a job for one handler: marks it running, counts the attempt and takes its lease. Null when
   * the job has ended, another handler holds a lease that has not lapsed (it is being worked on), or it is
   * scheduled for later (its `not_before` is ahead). The lease's trace, if any, is kept with the job.
   */
  async claim(lease: JobLease): Promise<JobEntity | null> {
    const rows = await queryRows(
      this.dataSource,
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
              lease_owner = $2, lease_until = now() + make_interval(secs => $3),
              trace_context = COALESCE($4, trace_context)
        WHERE id = $1 AND ${ACTIVE}
          AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)
          AND (not_before IS NULL OR not_before <= now())
        RETURNING *, ${WITH_DB_NOW}`,
      [lease.jobId, lease.owner, lease.ttlMs / 1000, lease.traceContext ?? null],
    );
    return rows[0] ? jobFromRow(this.dataSource, rows[0]) : null;
  }

  /** Gives the lease up early (the handler is stopping), so another worker may resume the job at once. */
  async release(lease: JobLease): Promise<void> {
    await queryRows(this.dataSource, `UPDATE jobs SET lease_until = now() WHERE id = $1 AND lease_owner = $2`, [
      lease.jobId,
      lease.owner,
    ]);
  }

  /** Remembers which Nova server the job's node is. False when the lease was lost. */
  setServer(lease: JobLease, serverId: string): Promise<boolean> {
    return this.updateLeased(lease, { server_id: serverId });
  }

  /** Remembers what stood in the reboot's way this time, for the reason should the job reach its deadline. */
  noteProblem(lease: JobLease, problem: string): Promise<boolean> {
    return this.updateLeased(lease, { last_problem: problem.slice(0, 2000) });
  }

  /**
   * Until when the job may not be claimed: another handler holds its lease, or it is scheduled for later (its
   * `not_before`); null when neither (the job ended, or nobody holds it). By this process's clock.
   */
  async heldUntil(jobId: string): Promise<Date | null> {
    const [row] = await queryRows<{ left_ms: number }>(
      this.dataSource,
      `SELECT (extract(epoch FROM greatest(lease_until, not_before) - now()) * 1000)::float8 AS left_ms FROM jobs
        WHERE id = $1 AND ${ACTIVE} AND (lease_until > now() OR not_before > now())`,
      [jobId],
    );
    return row ? new Date(Date.now() + Number(row.left_ms)) : null;
  }

  /** Renews the lease for another `ttlMs`. False when the lease was lost (or the job ended). */
  async renew(lease: JobLease): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource,
      `UPDATE jobs SET lease_until = now() + make_interval(secs => $3)
        WHERE id = $1 AND lease_owner = $2 AND ${ACTIVE} RETURNING id`,
      [lease.jobId, lease.owner, lease.ttlMs / 1000],
    );
    return rows.length > 0;
  }

  /**
   * Records that the reboot action is about to be sent (a resumed job then knows it may have been), at Postgres'
   * time, with the newest reboot action Nova had recorded before it (`actionsBefore`, see
   * {@link JobEntity.rebootActionsBefore}), and renews the lease; only while the lease is still valid (a handler
   * whose lease lapsed never sends) and the job is admitted by its cluster's rules. Null when it did not hold.
   */
  async markRebootAttempted(lease: JobLease, type: 'SOFT' | 'HARD', actionsBefore: string): Promise<Date | null> {
    const rows = await queryRows<{ reboot_attempted_at: Date }>(
      this.dataSource,
      MARK_ATTEMPTED_SQL,
      markAttemptedParameters(lease, type, actionsBefore),
    );
    return rows[0] ? new Date(rows[0].reboot_attempted_at) : null;
  }

  /**
   * Nova answered that it did not act on the attempt (or the POST never left): the doubt is lifted, the
   * job is back where it was before it (`type`: the reboot it then had, SOFT after a failed escalation).
   */
  async markRebootUnsent(lease: JobLease, type: 'SOFT' | 'HARD'): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource,
      `UPDATE jobs SET reboot_attempted_at = reboot_sent_at, reboot_type = $3
        WHERE id = $1 AND lease_owner = $2 AND ${ACTIVE} RETURNING id`,
      [lease.jobId, lease.owner, type],
    );
    return rows.length > 0;
  }

  /**
   * Records where the job's reboot stands in the cluster's API (see the node columns of {@link JobEntity}); a
   * field left out is kept. `drainStarted` stamps the drain's start at Postgres' time, once. Answers the drain's
   * start (null when none), or false when the lease was lost.
   */
  async noteNode(lease: JobLease, record: NodeRecord): Promise<{ drainStartedAt: Date | null } | false> {
    const rows = await queryRows<{ drain_started_at: Date | null }>(
      this.dataSource,
      `UPDATE jobs SET kube_node = COALESCE($3, kube_node), node_phase = COALESCE($4, node_phase),
              cordoned_by_job = COALESCE($5, cordoned_by_job), boot_id_before = COALESCE($6, boot_id_before),
              drain_started_at = CASE WHEN $7 THEN COALESCE(drain_started_at, now()) ELSE drain_started_at END,
              node_line = COALESCE($8, node_line)
        WHERE id = $1 AND lease_owner = $2 AND ${ACTIVE} RETURNING drain_started_at`,
      [
        lease.jobId,
        lease.owner,
        record.kubeNode ?? null,
        record.nodePhase ?? null,
        record.cordonedByJob ?? null,
        record.bootIdBefore ?? null,
        record.drainStarted === true,
        record.nodeLine ?? null,
      ],
    );
    if (!rows[0]) return false;
    const started = rows[0].drain_started_at;
    return { drainStartedAt: started ? new Date(started) : null };
  }

  /**
   * Records one reboot POST and Nova's answer in the audit trail, so a second send would show, and the request id
   * the answer carried on the job (what confirms a POST in doubt among Nova's instance actions).
   */
  async recordRebootAttempt(lease: JobLease, attempt: RebootAttempt): Promise<void> {
    const values = AuditLog.values({
      actor: 'worker',
      action: AuditAction.rebootAttempt,
      outcome: attempt.result === 'accepted' ? AuditOutcome.accepted : AuditOutcome.failed,
      detail: { jobId: lease.jobId, ...attempt, at: attempt.at.toISOString() },
    });
    // The record names the job's cluster and node, read in the same statement.
    await queryRows(
      this.dataSource,
      `WITH noted AS (
         UPDATE jobs SET reboot_request_id = $7::text
          WHERE id = $1 AND lease_owner = $8 AND ${ACTIVE} AND $7::text IS NOT NULL)
       INSERT INTO audit_events (${AUDIT_COLUMNS})
       SELECT $2, $3, $4, cluster_id, target, $5, $6::jsonb FROM jobs WHERE id = $1`,
      [lease.jobId, values[0], values[1], values[2], values[5], values[6], attempt.novaRequestId ?? null, lease.owner],
    );
  }

  /** Records that Nova accepted the reboot action, at Postgres' time. */
  async markRebootSent(lease: JobLease, type: 'SOFT' | 'HARD'): Promise<Date | null> {
    const rows = await queryRows<{ reboot_sent_at: Date }>(
      this.dataSource,
      `UPDATE jobs SET reboot_sent_at = now(), reboot_type = $3
        WHERE id = $1 AND lease_owner = $2 AND ${ACTIVE} RETURNING reboot_sent_at`,
      [lease.jobId, lease.owner, type],
    );
    return rows[0] ? new Date(rows[0].reboot_sent_at) : null;
  }

  /**
   * Appends one output line and renews the lease, in one statement. Lines are never rewritten, and
   * none is written once the job has ended or the lease is lost (false then).
   */
  async appendLine(lease: JobLease, line: string): Promise<JobLine | null> {
    const rows = await queryRows<JobLine>(
      this.dataSource,
      `WITH held AS (
         UPDATE jobs SET lease_until = now() + make_interval(secs => $4)
          WHERE id = $1 AND lease_owner = $3 AND ${ACTIVE}
          RETURNING id)
       INSERT INTO job_lines (job_id, seq, line)
       SELECT held.id, COALESCE((SELECT MAX(seq) FROM job_lines WHERE job_id = $1), 0) + 1, $2 FROM held
       RETURNING ${LINE_VIEW}`,
      [lease.jobId, line, lease.owner, lease.ttlMs / 1000],
    );
    return rows[0] ?? null;
  }

  /**
   * Ends a job: appends `Done` or `Fail`, sets the final state (released, unless a reboot POST of it might still
   * land: see `releasedOnEndSql`) and records `job.end` in the audit trail, in one transaction; answers its last line. Null when the job had already ended or the lease was lost.
   */
  finish(lease: JobLease, state: Extract<JobState, 'done' | 'failed'>, errors = ''): Promise<JobLine | null> {
    return this.dataSource.transaction(async (manager) => {
      const [ended] = await queryRows<{ cluster_id: string; target: string; requested_by: string }>(
        manager,
        `UPDATE jobs SET state = $3, errors = $4, finished_at = now(), lease_until = NULL,
                released_at = ${releasedOnEndSql('$3::text')}
          WHERE id = $1 AND lease_owner = $2 AND ${ACTIVE}
          RETURNING cluster_id, target, requested_by`,
        [lease.jobId, lease.owner, state, errors],
      );
      if (!ended) return null;
      await AuditLog.record(manager, {
        actor: 'worker',
        action: AuditAction.jobEnd,
        clusterId: ended.cluster_id,
        target: ended.target,
        outcome: state,
        detail: { jobId: lease.jobId, requestedBy: ended.requested_by, errors },
      });
      const [last] = await queryRows<JobLine>(
        manager,
        `INSERT INTO job_lines (job_id, seq, line)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2 FROM job_lines WHERE job_id = $1
         RETURNING ${LINE_VIEW}`,
        [lease.jobId, state === 'done' ? JobEndLine.done : JobEndLine.failed],
      );
      return last ?? null;
    });
  }

  /**
   * Jobs still owed an end, older than the given age, under no live lease and not yet in a cluster watcher's
   * hands (no reboot attempted: those are found by the watchers themselves): what the reconciler hands back.
   * One page, oldest deadline first, after the `after` cursor (the last job of the previous page).
   */
  async findActiveOlderThan(
    ageMs: number,
    limit = 500,
    after?: Pick<OrphanedJob, 'id' | 'deadlineAt'>,
  ): Promise<OrphanedJob[]> {
    const rows = await queryRows<{
      id: string;
      cluster_id: string;
      request_id: string | null;
      deadline_at: Date;
      not_before: Date | null;
    }>(
      this.dataSource,
      `SELECT id, cluster_id, request_id, COALESCE(deadline_at, 'infinity') AS deadline_at, not_before FROM jobs
        WHERE ${ACTIVE} AND created_at < now() - make_interval(secs => $1)
          AND (lease_until IS NULL OR lease_until < now()) AND reboot_attempted_at IS NULL
          AND ($3::timestamptz IS NULL OR (COALESCE(deadline_at, 'infinity'), id) > ($3::timestamptz, $4::text))
        ORDER BY COALESCE(deadline_at, 'infinity'), id LIMIT $2`,
      [ageMs / 1000, limit, after ? (after.deadlineAt ?? 'infinity') : null, after?.id ?? ''],
    );
    return rows.map((row) => ({
      id: row.id,
      clusterId: row.cluster_id,
      requestId: row.request_id,
      deadlineAt: Number.isFinite(new Date(row.deadline_at).getTime()) ? new Date(row.deadline_at) : null,
      notBefore: row.not_before ? new Date(row.not_before) : null,
    }));
  }

  private async updateLeased(lease: JobLease, columns: Record<string, unknown>): Promise<boolean> {
    const names = Object.keys(columns);
    const assignments = names.map((name, index) => `${name} = $${index + 3}`).join(', ');
    const rows = await queryRows(
      this.dataSource,
      `UPDATE jobs SET ${assignments} WHERE id = $1 AND lease_owner = $2 AND ${ACTIVE} RETURNING id`,
      [lease.jobId, lease.owner, ...names.map((name) => columns[name])],
    );
    return rows.length > 0;
  }
}
