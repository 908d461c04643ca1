import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome, type AuditRecord } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { activeStateSql, JobEndLine, type JobKind, type JobState } from './job-state';
import type { JobLine } from './job-view';
import { LINE_VIEW } from './job-views.repository';

/** Who cancels, as the audit trail names them: the request's actor, source and context (method, request id). */
export type Canceller = Pick<AuditRecord, 'actor' | 'source'> & { detail: Record<string, unknown> };

/** A job the cancel ended at once: its `Fail` line and errors, for its followers. */
export interface CancelledJob {
  jobId: string;
  line: JobLine;
  errors: string;
}

/** What a cancel did, or why nothing could be cancelled. */
export type CancelOutcome =
  | {
      cancelled: true;
      kind: JobKind;
      /** The job's node (or `rolling:<role>`), for the request's audit record. */
      target: string;
      /** The jobs ended now: the job itself, or a rolling reboot's current child while it still waited. */
      ended: CancelledJob[];
    }
  | { cancelled: false; target: string; reason: string };

/** What a cancel reads of a job, under its row lock. */
interface LockedJob {
  id: string;
  kind: JobKind;
  state: JobState;
  target: string;
  admitted_at: Date | null;
  reboot_attempted_at: Date | null;
  cancelled_by: string | null;
}

const ACTIVE = activeStateSql();
/** The reason of a refusal for a reboot the rules let start (it counts as sent: it runs to its end). */
export const ALREADY_SENT = 'the reboot was already sent; it runs to its end';

/** The `errors` of a cancelled job. */
export function cancelledErrors(username: string): string {
  return `Cancelled by ${username}`;
}

/**
 * The customers' cancel, in one transaction per request: a reboot that has not started (waiting or queued, not
 * admitted, no reboot attempted) ends at once with `Fail`, `errors: Cancelled by <user>`, `cancelled_by`, its
 * `job.cancel` and `job.end` records. A rolling reboot gets `cancelled_by` (the worker ends it once the reboot
 * it already sent has run its course) and its current child ends the same way when it has not started yet.
 */
@Injectable()
export class JobCancels {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Cancels the cluster's job as `username`; null when the cluster has no such job. */
  cancel(clusterId: string, jobId: string, username: string, by: Canceller): Promise<CancelOutcome | null> {
    return this.dataSource.transaction(async (manager) => {
      const job = await lock(manager, `id = $1 AND cluster_id = $2`, [jobId, clusterId]);
      if (!job) return null;
      const refusal = refusalOf(job);
      if (job.kind === 'reboot') {
        if (refusal) return { cancelled: false, target: job.target, reason: refusal };
        const ended = await endWaiting(manager, clusterId, job, username, by);
        if (!ended) return { cancelled: false, target: job.target, reason: ALREADY_SENT };
        await record(manager, clusterId, job, by, {});
        return { cancelled: true, kind: job.kind, target: job.target, ended: [ended] };
      }
      if (job.cancelled_by !== null && job.state !== 'done' && job.state !== 'failed') {
        return { cancelled: false, target: job.target, reason: `already cancelled by ${job.cancelled_by}` };
      }
      if (refusal) return { cancelled: false, target: job.target, reason: refusal };
      await queryRows(manager, `UPDATE jobs SET cancelled_by = $2 WHERE id = $1`, [job.id, username]);
      const child = await lock(manager, `parent_id = $1 AND ${ACTIVE} ORDER BY created_at DESC LIMIT 1`, [job.id]);
      const ended = child && !refusalOf(child) ? await endWaiting(manager, clusterId, child, username, by) : null;
      if (ended && child) await record(manager, clusterId, child, by, { parentId: job.id });
      await record(manager, clusterId, job, by, { childJobId: child?.id ?? null, childCancelled: ended !== null });
      return { cancelled: true, kind: job.kind, target: job.target, ended: ended ? [ended] : [] };
    });
  }
}

/** Locks the first job matching `where` and reads what a cancel decides on. */
async function lock(manager: EntityManager, where: string, parameters: unknown[]): Promise<LockedJob | null> {
  const [job] = await queryRows<LockedJob>(
    manager,
    `SELECT id, kind, state, target, admitted_at, reboot_attempted_at, cancelled_by FROM jobs
      WHERE ${where} FOR UPDATE`,
    parameters,
  );
  return job ?? null;
}

/** Why a job cannot be cancelled (it ended, or its reboot started), or null when it can. */
function refusalOf(job: LockedJob): string | null {
  if (job.state === 'done' || job.state === 'failed') return `the job has already ended (${job.state})`;
  if (job.kind === 'reboot' && (job.admitted_at !== null || job.reboot_attempted_at !== null)) return ALREADY_SENT;
  return null;
}

/**
 * Ends a reboot that has not started: the conditional update (still active, never admitted, nothing sent), its
 * `Fail` line and its `job.end` record, as `JobLeases.finish` writes them. Null when it started meanwhile.
 */
async function endWaiting(
  manager: EntityManager,
  clusterId: string,
  job: LockedJob,
  username: string,
  by: Canceller,
): Promise<CancelledJob | null> {
  const errors = cancelledErrors(username);
  const [ended] = await queryRows<{ requested_by: string }>(
    manager,
    `UPDATE jobs SET state = 'failed', errors = $2, cancelled_by = $3, finished_at = now(), lease_until = NULL,
            released_at = now()
      WHERE id = $1 AND ${ACTIVE} AND admitted_at IS NULL AND reboot_attempted_at IS NULL
      RETURNING requested_by`,
    [job.id, errors, username],
  );
  if (!ended) return null;
  await AuditLog.record(manager, {
    actor: by.actor,
    source: by.source,
    action: AuditAction.jobEnd,
    clusterId,
    target: job.target,
    outcome: AuditOutcome.failed,
    detail: { jobId: job.id, requestedBy: ended.requested_by, errors },
  });
  const [line] = await queryRows<JobLine>(
    manager,
    `INSERT INTO job_lines (job_id, seq, line)
     SELECT $1, COALESCE(MAX(seq), 0) + 1, $2 FROM job_lines WHERE job_id = $1
     RETURNING ${LINE_VIEW}`,
    [job.id, JobEndLine.failed],
  );
  return { jobId: job.id, line: line!, errors };
}

/** The request's `job.cancel` record of one job, in the cancel's transaction. */
function record(
  manager: EntityManager,
  clusterId: string,
  job: LockedJob,
  by: Canceller,
  detail: Record<string, unknown>,
): Promise<void> {
  return AuditLog.record(manager, {
    actor: by.actor,
    source: by.source,
    action: AuditAction.jobCancel,
    clusterId,
    target: job.target,
    outcome: AuditOutcome.cancelled,
    detail: { ...by.detail, jobId: job.id, kind: job.kind, ...detail },
  });
}
