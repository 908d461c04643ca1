import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { inFlightSql, notStartedSql, releasedAgoSql } from './cluster-rules';
import { type JobLease, MARK_ATTEMPTED_SQL, markAttemptedParameters } from './job-leases';
import { activeStateSql } from './job-state';
import type { Admission } from './reboot-admission';
import { parseRebootPolicy, type RebootPolicy } from './reboot-policy';

/** The advisory lock that serialises the admission decisions of one cluster (a transaction-level lock). */
export const clusterLockSql = `SELECT pg_advisory_xact_lock(hashtext('oshift.cluster'), hashtext($1))`;

/**
 * The cluster's facts an admission decides on, read under the cluster's lock: its policy, the nodes it has in flight
 * and how long ago each node's last reboot was released (ms, for the settle times).
 */
export type AdmissionRules = (
  policy: RebootPolicy,
  inFlight: string[],
  releasedAgoMs: Record<string, number>,
) => Admission;

/** What an admission decided, and whether the job was seen waiting for this reason for the first time. */
export interface AdmissionResult {
  admission: Admission;
  /** A wait whose reason the job did not have yet: its `Waiting:` line is written once. */
  newReason: boolean;
}

/**
 * The one place a reboot is let in: under a lock of its cluster (so two workers never both see "no master
 * rebooting" and both start one), the rules decide on the cluster's reboots in flight, and a start is recorded
 * (`admitted_at`) before the lock goes. Every decision is audited: a start, and each new reason to wait.
 */
@Injectable()
export class JobAdmissions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Decides whether the job may start now with `decide` (given the cluster's policy, the nodes it has in flight,
   * oldest first the nodes whose reboots were asked before this one and have not started: a job waits its turn,
   * see `decideInTurn`; and how long ago each node was last released) and records it. Null when the job is no longer this lease's to decide (lost,
   * ended, cancelled, or already admitted).
   */
  admit(
    lease: JobLease,
    clusterId: string,
    decide: (
      policy: RebootPolicy,
      inFlight: string[],
      ahead: string[],
      releasedAgoMs: Record<string, number>,
    ) => Admission,
  ): Promise<AdmissionResult | null> {
    return this.dataSource.transaction(async (manager) => {
      await queryRows(manager, clusterLockSql, [clusterId]);
      // Under the lock, in one read: the job (still this lease's to decide), the policy, the reboots in flight,
      // and the reboots asked before it that have not started (in request order: created_at, then id).
      const [facts] = await queryRows<{
        target: string | null;
        waiting_reason: string | null;
        policy: unknown;
        in_flight: string[] | null;
        ahead: string[] | null;
        released: Record<string, number>;
      }>(
        manager,
        `SELECT j.target, j.waiting_reason,
                (SELECT reboot_policy FROM clusters WHERE id = $3) AS policy, ${releasedAgoSql('$3')} AS released,
                (SELECT array_agg(o.target) FROM jobs o
                  WHERE o.cluster_id = $3 AND ${inFlightSql('o.')} AND o.id <> $1) AS in_flight,
                (SELECT array_agg(o.target ORDER BY o.created_at, o.id) FROM jobs o
                  WHERE o.cluster_id = $3 AND ${notStartedSql('o.')}
                    AND (o.created_at, o.id) < (j.created_at, j.id)) AS ahead
           FROM (SELECT 1) one
           LEFT JOIN jobs j ON j.id = $1 AND j.cluster_id = $3 AND j.lease_owner = $2 AND j.lease_until > now()
                           AND j.admitted_at IS NULL AND ${activeStateSql('j.')}`,
        [lease.jobId, lease.owner, clusterId],
      );
      if (!facts?.target) return null;
      const inFlight = facts.in_flight ?? [];
      const admission = decide(parseRebootPolicy(facts.policy), inFlight, facts.ahead ?? [], facts.released);
      const started = admission.would === 'start';
      const reason = started ? null : admission.reason;
      const newReason = !started && facts.waiting_reason !== reason;
      const audit = AuditLog.values({
        actor: 'worker',
        action: AuditAction.jobAdmission,
        clusterId,
        target: facts.target,
        outcome: started
          ? AuditOutcome.started
          : admission.would === 'wait'
            ? AuditOutcome.waiting
            : AuditOutcome.refused,
        detail: { jobId: lease.jobId, reason: admission.reason, inFlight: inFlight.slice(0, 20) },
      });
      // The decision and its audit record (a start, or a new reason to wait) in one statement; conditional on
      // the job still waiting, so a cancel that committed first wins.
      const changed = await queryRows(
        manager,
        `WITH decided AS (
           UPDATE jobs SET admitted_at = CASE WHEN $3 THEN now() END, waiting_reason = $4
            WHERE id = $1 AND lease_owner = $2 AND admitted_at IS NULL AND ${activeStateSql()} RETURNING id),
         audited AS (
           INSERT INTO audit_events (${AUDIT_COLUMNS})
           SELECT $6, $7, $8, $9, $10, $11, $12::jsonb FROM decided WHERE $5)
         SELECT id FROM decided`,
        [lease.jobId, lease.owner, started, reason, started || newReason, ...audit],
      );
      if (changed.length === 0) return null;
      return { admission, newReason };
    });
  }

  /**
   * The rules once more, just before a job's first reboot POST (and every resend of it), under the cluster's lock:
   * the time since the job was admitted has no bound (retries, a worker that died, a resend after the confirm
   * window), and a master may have gone down or the policy changed meanwhile. In flight here are the cluster's
   * other admitted jobs that were attempted or admitted before this one (so two admitted jobs never wait for
   * each other). A start marks the reboot attempted in the same transaction; a wait withdraws the admission (the
   * job waits its turn again, nothing sent, audited); a refusal changes nothing (the caller ends the job). Null
   * when the job is no longer this lease's, or no longer admitted.
   */
  recheckBeforeSend(
    lease: JobLease,
    clusterId: string,
    decide: AdmissionRules,
    send: { type: 'SOFT' | 'HARD'; actionsBefore: string },
  ): Promise<{ admission: Admission; attemptedAt: Date | null } | null> {
    return this.dataSource.transaction(async (manager) => {
      await queryRows(manager, clusterLockSql, [clusterId]);
      const [facts] = await queryRows<{
        target: string | null;
        policy: unknown;
        in_flight: string[] | null;
        released: Record<string, number>;
      }>(
        manager,
        `SELECT j.target,
                (SELECT reboot_policy FROM clusters WHERE id = $3) AS policy, ${releasedAgoSql('$3')} AS released,
                (SELECT array_agg(o.target) FROM jobs o
                  WHERE o.cluster_id = $3 AND ${inFlightSql('o.')} AND o.id <> $1
                    AND (o.reboot_attempted_at IS NOT NULL OR (o.admitted_at, o.id) < (j.admitted_at, j.id))) AS in_flight
           FROM (SELECT 1) one
           LEFT JOIN jobs j ON j.id = $1 AND j.cluster_id = $3 AND j.lease_owner = $2 AND j.lease_until > now()
                           AND j.admitted_at IS NOT NULL AND ${activeStateSql('j.')}`,
        [lease.jobId, lease.owner, clusterId],
      );
      if (!facts?.target) return null;
      const inFlight = facts.in_flight ?? [];
      const admission = decide(parseRebootPolicy(facts.policy), inFlight, facts.released);
      if (admission.would === 'refuse') return { admission, attemptedAt: null };
      if (admission.would === 'start') {
        const [marked] = await queryRows<{ reboot_attempted_at: Date }>(
          manager,
          MARK_ATTEMPTED_SQL,
          markAttemptedParameters(lease, send.type, send.actionsBefore),
        );
        return marked ? { admission, attemptedAt: new Date(marked.reboot_attempted_at) } : null;
      }
      const audit = AuditLog.values({
        actor: 'worker',
        action: AuditAction.jobAdmission,
        clusterId,
        target: facts.target,
        outcome: AuditOutcome.waiting,
        detail: { jobId: lease.jobId, reason: admission.reason, withdrawn: true, inFlight: inFlight.slice(0, 20) },
      });
      // Back to waiting, nothing sent (a first POST never has a sent reboot to keep), with its audit record.
      const withdrawn = await queryRows(
        manager,
        `WITH withdrawn AS (
           UPDATE jobs SET admitted_at = NULL, reboot_attempted_at = NULL, waiting_reason = NULL
            WHERE id = $1 AND lease_owner = $2 AND reboot_sent_at IS NULL AND ${activeStateSql()} RETURNING id),
         audited AS (
           INSERT INTO audit_events (${AUDIT_COLUMNS})
           SELECT $3, $4, $5, $6, $7, $8, $9::jsonb FROM withdrawn)
         SELECT id FROM withdrawn`,
        [lease.jobId, lease.owner, ...audit],
      );
      return withdrawn.length > 0 ? { admission, attemptedAt: null } : null;
    });
  }
}
