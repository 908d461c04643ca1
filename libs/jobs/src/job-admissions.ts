import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { ClusterRules, clusterLockSql } from './cluster-rules';
import type { JobLease } from './job-leases';
import { activeStateSql } from './job-state';
import type { Admission, RebootPolicy } from './reboot-policy';

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
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rules: ClusterRules,
  ) {}

  /**
   * Decides whether the job may start now with `decide` (given the cluster's policy and the nodes it has in
   * flight) and records it. Null when the job is no longer this lease's to decide (lost, ended, cancelled, or
   * already admitted).
   */
  admit(
    lease: JobLease,
    decide: (policy: RebootPolicy, inFlight: string[]) => Admission,
  ): Promise<AdmissionResult | null> {
    return this.dataSource.transaction(async (manager) => {
      const [job] = await queryRows<{ cluster_id: string; target: string; waiting_reason: string | null }>(
        manager,
        `SELECT cluster_id, target, waiting_reason FROM jobs
          WHERE id = $1 AND lease_owner = $2 AND lease_until > now() AND admitted_at IS NULL AND ${activeStateSql()}`,
        [lease.jobId, lease.owner],
      );
      if (!job) return null;
      await queryRows(manager, clusterLockSql, [job.cluster_id]);
      const policy = await this.rules.policy(job.cluster_id, manager);
      const inFlight = await this.rules.inFlight(job.cluster_id, lease.jobId, manager);
      const admission = decide(policy, inFlight);
      const started = admission.would === 'start';
      const reason = started ? null : admission.reason;
      // Conditional on the job still waiting: a cancel that committed first wins.
      const changed = await queryRows(
        manager,
        `UPDATE jobs SET admitted_at = CASE WHEN $3 THEN now() END, waiting_reason = $4
          WHERE id = $1 AND lease_owner = $2 AND admitted_at IS NULL AND ${activeStateSql()} RETURNING id`,
        [lease.jobId, lease.owner, started, reason],
      );
      if (changed.length === 0) return null;
      const newReason = !started && job.waiting_reason !== reason;
      if (started || newReason) {
        await AuditLog.record(manager, {
          actor: 'worker',
          action: AuditAction.jobAdmission,
          clusterId: job.cluster_id,
          target: job.target,
          outcome: started
            ? AuditOutcome.started
            : admission.would === 'wait'
              ? AuditOutcome.waiting
              : AuditOutcome.refused,
          detail: { jobId: lease.jobId, reason: admission.reason, inFlight: inFlight.slice(0, 20) },
        });
      }
      return { admission, newReason };
    });
  }
}
