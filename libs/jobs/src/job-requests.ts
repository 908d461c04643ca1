import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, AuditLog, type AuditRecord } from '@oshift/audit';
import { poolQuery, queryRows } from '@oshift/persistence';
import { activeStateSql, type JobKind } from './job-state';
import {
  IdempotencyKeyReusedError,
  PolicyChangedError,
  RebootAlreadyRunningError,
  RebootCooldownError,
} from './job.errors';
import type { RebootKind } from './job-view';
import type { RollingRole } from './reboot-policy';

const UNIQUE_VIOLATION = '23505';
/** How long an idempotency key replays its first answer. */
const KEY_LIFETIME = `interval '24 hours'`;

/** A reboot request the gateway accepts: the job, its audit record and, when the caller sent one, its key. */
export interface RebootIntake {
  id: string;
  clusterId: string;
  target: string;
  type: RebootKind;
  /** `reboot` (the default), or `rolling` with its role (its target is `rolling:<role>`). */
  kind?: JobKind;
  rollingRole?: RollingRole;
  requestedBy: string;
  requestId: string | null;
  /**
   * How long the job may take from its start, by Postgres' clock: `deadline_at` is `now()` (or `notBefore`, when
   * later) plus this.
   */
  deadlineMs: number;
  /** A scheduled reboot: it starts no earlier than this. */
  notBefore?: Date | null;
  /** The customer started it outside the cluster's maintenance windows: who, and why. */
  windowOverride?: { by: string; reason: string } | null;
  /** The request's `accepted` audit record; the job's cluster, node, id, type and key are added to it. */
  audit: Omit<AuditRecord, 'clusterId' | 'target'>;
  idempotency?: IdempotencyClaim;
  /** The facts the request was decided on without reading them first, checked by the statement that records it. */
  guard?: AcceptGuard;
}

/**
 * What a request decided on a policy held in memory leaves to the statement that records its job, so that the
 * decision, the checks that need Postgres and the insert are one round trip: the policy must still be the one in
 * force (else {@link PolicyChangedError}, nothing recorded), the node must have no active job
 * ({@link RebootAlreadyRunningError}) and no reboot ended `Done` within the policy's cooldown of `at`
 * ({@link RebootCooldownError}), in that order, as `ClusterRules.nodeFacts` and the screen answer them.
 */
export interface AcceptGuard {
  /** The cluster's `reboot_policy` as text (`ClusterRules.storedPolicy`), null when none is set. */
  policy: string | null;
  cooldownSeconds: number;
  /** When the reboot would start: now, or its `not_before`. */
  at: Date;
}

/** An `Idempotency-Key` of one user, with a digest of what the request asked for. */
export interface IdempotencyClaim {
  username: string;
  key: string;
  requestHash: string;
}

/**
 * The jobs as the gateway sees them: it records an accepted reboot (the job row, its `accepted` audit record
 * and its idempotency key in one statement: one round trip, all or nothing), replays an idempotency key, and
 * discards a job the queue refused. (Reads are {@link JobViews}; the worker's side is {@link JobLeases}.)
 */
@Injectable()
export class JobRequests {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The job an idempotency key already started (within 24 h), or null when the key is new or expired.
   * Throws {@link IdempotencyKeyReusedError} when the key came with another request.
   */
  async replay(claim: IdempotencyClaim): Promise<string | null> {
    const rows = await poolQuery<{ request_hash: string; job_id: string }>(
      this.dataSource,
      `SELECT request_hash, job_id FROM idempotency_keys
        WHERE username = $1 AND key = $2 AND created_at > now() - ${KEY_LIFETIME}`,
      [claim.username, claim.key],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.request_hash !== claim.requestHash) throw new IdempotencyKeyReusedError();
    return row.job_id;
  }

  /**
   * Records the job. Throws {@link RebootAlreadyRunningError} when the node already has an active job (the
   * partial unique index decides), and answers the earlier job's id when a concurrent request with the
   * same idempotency key won (nothing is recorded then). With a {@link AcceptGuard}, throws what the guard found
   * instead of recording: {@link PolicyChangedError}, {@link RebootAlreadyRunningError}, {@link RebootCooldownError}.
   */
  async accept(job: RebootIntake): Promise<{ created: true } | { created: false; jobId: string }> {
    const claim = job.idempotency;
    const audit = AuditLog.values({
      ...job.audit,
      clusterId: job.clusterId,
      target: job.target,
      detail: { ...job.audit.detail, jobId: job.id, type: job.type, ...(claim ? { idempotencyKey: claim.key } : {}) },
    });
    const parameters = [
      job.id,
      job.clusterId,
      job.target,
      job.type,
      job.requestedBy,
      job.requestId,
      job.deadlineMs,
      job.kind ?? 'reboot',
      job.rollingRole ?? null,
      job.notBefore ?? null,
      job.windowOverride?.by ?? null,
      job.windowOverride?.reason ?? null,
      ...audit,
    ];
    const guard = job.guard;
    const values: unknown[] = claim ? [...parameters, claim.username, claim.key, claim.requestHash] : parameters;
    const parameter = (value: unknown) => `$${values.push(value)}`;
    // With a guard, what the request was decided on is read in the statement, and nothing is written unless it holds.
    const cutoff = guard ? parameter(cooldownCutoff(guard)) : '';
    const guarded = guard
      ? `facts AS (
           SELECT (SELECT reboot_policy::text FROM clusters WHERE id = $2) AS policy,
                  (SELECT date_trunc('milliseconds', max(finished_at)) FROM jobs
                    WHERE cluster_id = $2 AND target = $3 AND state = 'done') AS last_done,
                  (SELECT id FROM jobs WHERE cluster_id = $2 AND target = $3 AND ${activeStateSql()} LIMIT 1) AS active_job),
         allowed AS (
           SELECT 1 FROM facts
            WHERE policy IS NOT DISTINCT FROM ${parameter(guard.policy)}::text AND active_job IS NULL
              AND (last_done IS NULL OR ${cutoff}::timestamptz IS NULL OR last_done <= ${cutoff}::timestamptz)),`
      : '';
    // The key (when given) gates the job: an unexpired key of the same user means "already started".
    const keyed = claim
      ? `key AS (
           INSERT INTO idempotency_keys (username, key, request_hash, job_id)
           ${guard ? 'SELECT $20, $21, $22, $1 FROM allowed' : 'VALUES ($20, $21, $22, $1)'}
           ON CONFLICT (username, key) DO UPDATE
              SET request_hash = EXCLUDED.request_hash, job_id = EXCLUDED.job_id, created_at = now()
            WHERE idempotency_keys.created_at <= now() - ${KEY_LIFETIME}
           RETURNING 1),`
      : '';
    const gate = claim ? 'WHERE EXISTS (SELECT 1 FROM key)' : guard ? 'WHERE EXISTS (SELECT 1 FROM allowed)' : '';
    let row: GuardedRow | undefined;
    try {
      const rows = await poolQuery<GuardedRow>(
        this.dataSource,
        `WITH ${guarded} ${keyed}
         job AS (
           INSERT INTO jobs (id, cluster_id, target, state, reboot_type, requested_by, request_id, deadline_at,
                             kind, rolling_role, not_before, window_override_by, window_override_reason)
           SELECT $1, $2, $3, 'queued', $4, $5, $6,
                  date_trunc('milliseconds', greatest(now(), $10::timestamptz) + $7::int * interval '1 millisecond'),
                  $8, $9, $10, $11, $12 ${gate}
           RETURNING id),
         audit AS (
           INSERT INTO audit_events (${AUDIT_COLUMNS})
           SELECT $13, $14, $15, $16, $17, $18, $19::jsonb FROM job)
         SELECT (SELECT count(*)::int FROM job) AS created
                ${guard ? ', policy, last_done, active_job FROM facts' : ''}`,
        values,
      );
      row = rows[0];
      if (row?.created === 1) return { created: true };
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      throw new RebootAlreadyRunningError(await this.activeJobOf(job.clusterId, job.target), job.clusterId);
    }
    // A key taken meanwhile stops the insert: answer with the job it started (or 422 for another body). It comes
    // first, as without a guard: a request that raced its own retry is answered by the job the retry started.
    const earlier = claim ? await this.replay(claim) : null;
    if (earlier) return { created: false, jobId: earlier };
    if (guard && row) refuseUnguarded(job, guard, row);
    throw new Error('reboot job was not recorded');
  }

  /**
   * Whether the job was scheduled when it was accepted (its `not_before` after its creation), so a replay of its
   * `Idempotency-Key` answers as the first answer did (`scheduled`, not `started`).
   */
  async wasScheduled(jobId: string): Promise<boolean> {
    const rows = await poolQuery<{ scheduled: boolean }>(
      this.dataSource,
      `SELECT COALESCE(not_before > created_at, false) AS scheduled FROM jobs WHERE id = $1`,
      [jobId],
    );
    return rows[0]?.scheduled ?? false;
  }

  /**
   * Removes a job no worker has taken yet (its enqueue failed); its key goes with it. False when a worker
   * already took it.
   */
  async discardQueued(jobId: string): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource,
      `DELETE FROM jobs WHERE id = $1 AND state = 'queued' AND attempts = 0 RETURNING id`,
      [jobId],
    );
    return rows.length > 0;
  }

  /** Deletes keys past their lifetime (they no longer replay anything); answers how many. */
  async forgetExpiredKeys(): Promise<number> {
    const rows = await poolQuery<{ n: number }>(
      this.dataSource,
      `WITH gone AS (DELETE FROM idempotency_keys WHERE created_at <= now() - ${KEY_LIFETIME} RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [],
    );
    return rows[0]?.n ?? 0;
  }

  private async activeJobOf(clusterId: string, target: string): Promise<string> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `SELECT id FROM jobs WHERE cluster_id = $1 AND target = $2 AND ${activeStateSql()} LIMIT 1`,
      [clusterId, target],
    );
    return rows[0]?.id ?? '';
  }
}

/** The facts a guarded insert read (see {@link AcceptGuard}), beside whether it recorded the job. */
interface GuardedRow {
  created: number;
  policy?: string | null;
  last_done?: Date | null;
  active_job?: string | null;
}

/** The latest `Done` outside the cooldown of the guard's start (null: no cooldown). */
function cooldownCutoff(guard: AcceptGuard): Date | null {
  return guard.cooldownSeconds > 0 ? new Date(guard.at.getTime() - guard.cooldownSeconds * 1000) : null;
}

/** Throws why a guarded insert recorded nothing, when its guard is why (else the key was taken meanwhile). */
function refuseUnguarded(job: RebootIntake, guard: AcceptGuard, row: GuardedRow): void {
  if ((row.policy ?? null) !== guard.policy) throw new PolicyChangedError(job.clusterId);
  if (row.active_job) throw new RebootAlreadyRunningError(row.active_job, job.clusterId);
  const cutoff = cooldownCutoff(guard);
  if (cutoff && row.last_done && new Date(row.last_done).getTime() > cutoff.getTime()) {
    const left = new Date(row.last_done).getTime() + guard.cooldownSeconds * 1000 - guard.at.getTime();
    throw new RebootCooldownError(job.target, Math.ceil(left / 1000));
  }
}
