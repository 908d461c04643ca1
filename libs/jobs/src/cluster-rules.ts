import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { poolQuery, queryRows } from '@oshift/persistence';
import { activeStateSql } from './job-state';
import { parseRebootPolicy, type RebootPolicy } from './reboot-policy';

type Queryable = DataSource | EntityManager;

/** {@link ClusterRules.nodeFacts}: what one node's reboot request is checked against. */
export interface NodeRebootFacts {
  policy: RebootPolicy;
  /** When the node's last reboot ended `Done`, or null. */
  lastDoneAt: Date | null;
  /** The node's queued, waiting or running job, or null. */
  activeJobId: string | null;
}

/** The advisory lock that serialises the admission decisions of one cluster (a transaction-level lock). */
export const clusterLockSql = `SELECT pg_advisory_xact_lock(hashtext('oshift.cluster'), hashtext($1))`;

/**
 * The facts the reboot rules decide on, as Postgres holds them: a cluster's policy, its reboots in flight (admitted
 * and not ended) and a node's last `Done`. Read by the gateway (dry run, cooldown) and, under the cluster's lock,
 * by the worker's admission.
 */
@Injectable()
export class ClusterRules {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The cluster's reboot policy (the defaults when none is set, or when the cluster is unknown). */
  async policy(clusterId: string, db: Queryable = this.dataSource): Promise<RebootPolicy> {
    const rows = await this.read<{ reboot_policy: unknown }>(db, `SELECT reboot_policy FROM clusters WHERE id = $1`, [
      clusterId,
    ]);
    return parseRebootPolicy(rows[0]?.reboot_policy ?? null);
  }

  /** The nodes of the cluster whose reboot has started and not ended, but `exceptJobId`'s. */
  async inFlight(
    clusterId: string,
    exceptJobId: string | null = null,
    db: Queryable = this.dataSource,
  ): Promise<string[]> {
    const rows = await this.read<{ target: string }>(
      db,
      `SELECT target FROM jobs
        WHERE cluster_id = $1 AND kind = 'reboot' AND admitted_at IS NOT NULL AND ${activeStateSql()}
          AND ($2::text IS NULL OR id <> $2)`,
      [clusterId, exceptJobId],
    );
    return rows.map((row) => row.target);
  }

  /** When the node's last reboot ended `Done`, or null. */
  async lastDone(clusterId: string, target: string): Promise<Date | null> {
    const rows = await this.read<{ finished_at: Date }>(
      this.dataSource,
      `SELECT finished_at FROM jobs WHERE cluster_id = $1 AND target = $2 AND state = 'done'
        ORDER BY finished_at DESC LIMIT 1`,
      [clusterId, target],
    );
    return rows[0] ? new Date(rows[0].finished_at) : null;
  }

  /**
   * What a request to reboot one node is checked against, in one read: the cluster's policy, the node's last
   * `Done` (for the cooldown) and the node's active job, if any (the gateway's dry run and refusals).
   */
  async nodeFacts(clusterId: string, target: string): Promise<NodeRebootFacts> {
    const rows = await this.read<{ reboot_policy: unknown; last_done: Date | null; active_job: string | null }>(
      this.dataSource,
      `SELECT (SELECT reboot_policy FROM clusters WHERE id = $1) AS reboot_policy,
              (SELECT max(finished_at) FROM jobs WHERE cluster_id = $1 AND target = $2 AND state = 'done') AS last_done,
              (SELECT id FROM jobs WHERE cluster_id = $1 AND target = $2 AND ${activeStateSql()} LIMIT 1) AS active_job`,
      [clusterId, target],
    );
    const row = rows[0];
    return {
      policy: parseRebootPolicy(row?.reboot_policy ?? null),
      lastDoneAt: row?.last_done ? new Date(row.last_done) : null,
      activeJobId: row?.active_job ?? null,
    };
  }

  private read<T>(db: Queryable, sql: string, parameters: unknown[]): Promise<T[]> {
    return db instanceof DataSource ? poolQuery<T>(db, sql, parameters) : queryRows<T>(db, sql, parameters);
  }
}
