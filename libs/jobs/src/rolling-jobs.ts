import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import type { JobLease } from './job-leases';
import { activeStateSql, JobEndLine, type JobState } from './job-state';
import type { JobEntity } from './job.entity';
import type { JobLine } from './job-view';
import { LINE_VIEW } from './job-views.repository';

const UNIQUE_VIOLATION = '23505';

/** One node's reboot within a rolling reboot, as the rolling reboot follows it. */
export interface RollingStep {
  id: string;
  target: string;
  state: JobState;
  errors: string;
  admitted: boolean;
}

/**
 * A rolling reboot's steps: each is an ordinary reboot job (`parent_id` names the rolling job), admitted under
 * the same cluster rules as any other reboot, so rolling and single reboots respect each other. The rolling job
 * starts one step at a time, copies each step's lines into its own output, and ends when a step fails or none
 * is left.
 */
@Injectable()
export class RollingJobs {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The rolling job's steps, oldest first. */
  async steps(parentId: string): Promise<RollingStep[]> {
    const rows = await queryRows<{ id: string; target: string; state: JobState; errors: string; admitted: boolean }>(
      this.dataSource,
      `SELECT id, target, state, errors, admitted_at IS NOT NULL AS admitted FROM jobs
        WHERE parent_id = $1 ORDER BY created_at, id`,
      [parentId],
    );
    return rows;
  }

  /**
   * Fixes the rolling reboot's plan (its nodes, in order) at its first step, while its lease holds; a plan fixed
   * before stays. Answers the plan in force, or null when the lease was lost.
   */
  async fixPlan(lease: JobLease, plan: readonly string[]): Promise<string[] | null> {
    const [row] = await queryRows<{ rolling_plan: string[] }>(
      this.dataSource,
      `UPDATE jobs SET rolling_plan = COALESCE(rolling_plan, $3::text[])
        WHERE id = $1 AND lease_owner = $2 AND ${activeStateSql()} RETURNING rolling_plan`,
      [lease.jobId, lease.owner, plan],
    );
    return row?.rolling_plan ?? null;
  }

  /**
   * Skips a node of the plan that is no longer in the cluster: notes it (`rolling_skipped`) and says so in the
   * output (`Skipped: <node> is no longer in the cluster`), in one statement, while the lease holds. Answers the
   * line written; null when the lease was lost or the node was skipped already.
   */
  async skip(lease: JobLease, node: string): Promise<JobLine | null> {
    const [line] = await queryRows<JobLine>(
      this.dataSource,
      `WITH parent AS (
         UPDATE jobs SET rolling_skipped = array_append(COALESCE(rolling_skipped, '{}'), $3::text)
          WHERE id = $1 AND lease_owner = $2 AND ${activeStateSql()}
            AND NOT ($3::text = ANY (COALESCE(rolling_skipped, '{}')))
          RETURNING id)
       INSERT INTO job_lines (job_id, seq, line)
       SELECT parent.id, COALESCE((SELECT MAX(seq) FROM job_lines WHERE job_id = $1), 0) + 1, $4 FROM parent
       RETURNING ${LINE_VIEW}`,
      [lease.jobId, lease.owner, node, `Skipped: ${node} is no longer in the cluster`],
    );
    return line ?? null;
  }

  /**
   * Pauses the rolling reboot between steps until `untilMs` (a maintenance window opens): says why in its output
   * (`Waiting: <reason>`) and in its state (`waiting`), and moves its deadline on by the pause (a pause for the
   * cluster's windows does not eat the time its reboots have). Once per reason, in one statement, while the lease
   * holds: answers the line written, or null (the same pause again, or the lease lost).
   */
  async pause(lease: JobLease, reason: string, untilMs: number): Promise<JobLine | null> {
    const [line] = await queryRows<JobLine>(
      this.dataSource,
      `WITH parent AS (
         UPDATE jobs SET waiting_reason = $3,
                deadline_at = date_trunc('milliseconds',
                  deadline_at + greatest(interval '0', to_timestamp($4::float8 / 1000) - now()))
          WHERE id = $1 AND lease_owner = $2 AND ${activeStateSql()} AND waiting_reason IS DISTINCT FROM $3
          RETURNING id)
       INSERT INTO job_lines (job_id, seq, line)
       SELECT parent.id, COALESCE((SELECT MAX(seq) FROM job_lines WHERE job_id = $1), 0) + 1, $5 FROM parent
       RETURNING ${LINE_VIEW}`,
      [lease.jobId, lease.owner, reason, untilMs, `Waiting: ${reason}`],
    );
    return line ?? null;
  }

  /**
   * Records the next step (a reboot job of `target`, requested by whoever asked for the rolling reboot) with its
   * `accepted` audit record, while the rolling job's lease holds and nobody has cancelled it: the check and the
   * insert hold the rolling job's row, so a cancel either committed first (`{ cancelled }`, nothing started) or
   * comes after and sees the step. Answers its id, `{ busy }` with the job that already reboots that node,
   * `{ cancelled }` with who called the rolling reboot off, or null when the lease was lost.
   */
  async startStep(
    lease: JobLease,
    parent: Pick<JobEntity, 'id' | 'clusterId' | 'requestedBy' | 'requestId' | 'rebootType'> &
      Partial<Pick<JobEntity, 'windowOverrideBy' | 'windowOverrideReason'>>,
    step: { id: string; target: string; deadlineAt: Date },
  ): Promise<{ id: string } | { busy: string } | { cancelled: string } | null> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [held] = await queryRows<{ cancelled_by: string | null }>(
          manager,
          `SELECT cancelled_by FROM jobs WHERE id = $1 AND lease_owner = $2 AND ${activeStateSql()} FOR UPDATE`,
          [lease.jobId, lease.owner],
        );
        if (!held) return null;
        if (held.cancelled_by !== null) return { cancelled: held.cancelled_by };
        // Going on after a pause: the rolling reboot no longer waits.
        await queryRows(manager, `UPDATE jobs SET waiting_reason = NULL WHERE id = $1 AND waiting_reason IS NOT NULL`, [
          lease.jobId,
        ]);
        await queryRows(
          manager,
          `INSERT INTO jobs (id, cluster_id, target, state, reboot_type, requested_by, request_id, deadline_at, parent_id,
                             window_override_by, window_override_reason)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9, $10)`,
          [
            step.id,
            parent.clusterId,
            step.target,
            parent.rebootType,
            parent.requestedBy,
            parent.requestId,
            step.deadlineAt,
            parent.id,
            // A rolling reboot started outside the windows takes its steps outside them too.
            parent.windowOverrideBy ?? null,
            parent.windowOverrideReason ?? null,
          ],
        );
        await AuditLog.record(manager, {
          actor: parent.requestedBy,
          action: AuditAction.nodeReboot,
          clusterId: parent.clusterId,
          target: step.target,
          outcome: AuditOutcome.accepted,
          detail: { jobId: step.id, type: parent.rebootType, rollingJobId: parent.id },
        });
        return { id: step.id };
      });
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      const [running] = await queryRows<{ id: string }>(
        this.dataSource,
        `SELECT id FROM jobs WHERE cluster_id = $1 AND target = $2 AND ${activeStateSql()}`,
        [parent.clusterId, step.target],
      );
      return { busy: running?.id ?? '' };
    }
  }

  /**
   * Copies the step's lines the rolling job has not copied yet (not its `Done`/`Fail`: the rolling job ends by
   * itself) into the rolling job's output, in one statement, while the rolling job's lease holds.
   */
  async mirror(lease: JobLease, stepId: string): Promise<JobLine[]> {
    return queryRows<JobLine>(
      this.dataSource,
      `WITH parent AS (
         SELECT id FROM jobs WHERE id = $1 AND lease_owner = $2 AND ${activeStateSql()}),
       step AS (
         SELECT id, mirrored_lines FROM jobs WHERE id = $3 AND parent_id = $1),
       fresh AS (
         SELECT l.seq, l.line FROM job_lines l, step, parent
          WHERE l.job_id = step.id AND l.seq > step.mirrored_lines
            AND l.line NOT IN ('${JobEndLine.done}', '${JobEndLine.failed}')),
       top AS (SELECT COALESCE(MAX(seq), 0) AS seq FROM job_lines WHERE job_id = $1),
       moved AS (
         UPDATE jobs SET mirrored_lines = (SELECT MAX(seq) FROM fresh)
          WHERE id = $3 AND EXISTS (SELECT 1 FROM fresh))
       INSERT INTO job_lines (job_id, seq, line)
       SELECT $1, top.seq + row_number() OVER (ORDER BY fresh.seq), fresh.line FROM fresh, top
       RETURNING ${LINE_VIEW}`,
      [lease.jobId, lease.owner, stepId],
    );
  }
}
