import type { DataSource } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { parseRebootPolicy, type RebootPolicy, storedRebootPolicy, type StoredRebootPolicy } from './reboot-policy';

/** A policy change was refused: an unknown cluster (an invalid policy is an `InvalidRebootPolicyError`). */
export class ClusterPolicyError extends Error {
  override readonly name = 'ClusterPolicyError';
}

/**
 * The operator's side of a cluster's reboot rules (`admin cluster policy`): reads a cluster's policy with the
 * defaults filled in, stores a new one (validated, in its stored form, every default written out) or clears it
 * back to the defaults, each change in one transaction with its `cluster.policy` audit record.
 */
export class ClusterPolicyAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { source?: string | null } = {},
  ) {}

  /** The cluster's policy as it applies now (the defaults where none is set). */
  async show(clusterId: string): Promise<RebootPolicy> {
    const [row] = await queryRows<{ reboot_policy: unknown }>(
      this.dataSource,
      `SELECT reboot_policy FROM clusters WHERE id = $1`,
      [clusterId],
    );
    if (!row) throw new ClusterPolicyError(`unknown cluster ${clusterId}`);
    return parseRebootPolicy(row.reboot_policy);
  }

  /**
   * Stores `policy` (the stored form's JSON: every part optional, the defaults fill the rest) as the cluster's
   * rules; throws `InvalidRebootPolicyError` with the first mistake. Answers the policy now in force.
   */
  async set(clusterId: string, policy: unknown, actor: string): Promise<RebootPolicy> {
    const parsed = parseRebootPolicy(policy ?? {});
    await this.store(clusterId, storedRebootPolicy(parsed), actor);
    return parsed;
  }

  /** Clears the cluster's policy: the defaults apply again. */
  async reset(clusterId: string, actor: string): Promise<RebootPolicy> {
    await this.store(clusterId, null, actor);
    return parseRebootPolicy(null);
  }

  private async store(clusterId: string, stored: StoredRebootPolicy | null, actor: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [cluster] = await queryRows(manager, `SELECT 1 FROM clusters WHERE id = $1 FOR UPDATE`, [clusterId]);
      if (!cluster) throw new ClusterPolicyError(`unknown cluster ${clusterId}`);
      const changed = await queryRows(
        manager,
        `UPDATE clusters SET reboot_policy = $2::jsonb, updated_at = now()
          WHERE id = $1 AND reboot_policy IS DISTINCT FROM $2::jsonb RETURNING id`,
        [clusterId, stored === null ? null : JSON.stringify(stored)],
      );
      await AuditLog.record(manager, {
        actor,
        source: this.options.source ?? null,
        action: AuditAction.clusterPolicy,
        clusterId,
        target: clusterId,
        outcome: changed.length > 0 ? AuditOutcome.ok : AuditOutcome.noop,
        detail: stored === null ? { reset: true } : { policy: stored },
      });
    });
  }
}
