import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { poolQuery } from '@oshift/persistence';
import { activeStateSql } from './job-state';
import { turnHeads } from './reboot-admission';
import { MAX_SETTLE_SECONDS, parseRebootPolicy, type RebootPolicy } from './reboot-policy';

/** {@link ClusterRules.nodeFacts}: what one node's reboot request is checked against. */
export interface NodeRebootFacts {
  policy: RebootPolicy;
  /** When the node's last reboot ended `Done`, or null. */
  lastDoneAt: Date | null;
  /** The node's queued, waiting or running job, or null. */
  activeJobId: string | null;
}

/** A cluster's policy as stored (`reboot_policy` as text, null when none is set) and as it applies. */
export interface StoredPolicy {
  stored: string | null;
  policy: RebootPolicy;
}

/**
 * SQL condition "a reboot of the cluster in flight": admitted by the rules and not released (its node not back at
 * rest yet), whatever the job's state: a job that ended while its POST might still land counts until released.
 */
export function inFlightSql(alias = ''): string {
  return `${alias}kind = 'reboot' AND ${alias}admitted_at IS NOT NULL AND ${alias}released_at IS NULL`;
}

/**
 * SQL expression: a JSON object of how long ago (ms, by Postgres' clock) each node of the cluster (`$n` given)
 * had its last reboot released, for the settle times: reboots that attempted a POST only (a job that never sent one,
 * or whose POST Nova refused, never took its node down); releases older than the longest settle time are left out.
 */
export function releasedAgoSql(clusterParameter: string): string {
  return `(SELECT COALESCE(jsonb_object_agg(r.target, r.ago), '{}'::jsonb) FROM (
            SELECT target, min(extract(epoch FROM now() - released_at) * 1000)::float8 AS ago FROM jobs
             WHERE cluster_id = ${clusterParameter} AND admitted_at IS NOT NULL AND released_at IS NOT NULL
               AND reboot_attempted_at IS NOT NULL
               AND released_at > now() - make_interval(secs => ${MAX_SETTLE_SECONDS})
             GROUP BY target) r)`;
}

/**
 * SQL condition "a reboot of the cluster asked and not started yet": not admitted, not ended, its deadline not
 * passed (a job past it is about to end, and holds nobody back), not scheduled for later (it takes its turn from
 * its `not_before` on). Rolling reboots' steps are reboots like any other.
 */
export function notStartedSql(alias = ''): string {
  return `${alias}kind = 'reboot' AND ${alias}admitted_at IS NULL AND ${activeStateSql(alias)}
          AND (${alias}deadline_at IS NULL OR ${alias}deadline_at > now())
          AND (${alias}not_before IS NULL OR ${alias}not_before <= now())`;
}

/**
 * The facts the reboot rules decide on, as Postgres holds them: a cluster's policy, its reboots in flight (admitted
 * and not released), when its nodes were last released (settle times) and a node's last `Done`. Read by the gateway (dry run, cooldown) and, under the cluster's lock,
 * by the worker's admission.
 */
@Injectable()
export class ClusterRules {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The cluster's reboot policy (the defaults when none is set, or when the cluster is unknown). */
  async policy(clusterId: string): Promise<RebootPolicy> {
    const rows = await poolQuery<{ reboot_policy: unknown }>(
      this.dataSource,
      `SELECT reboot_policy FROM clusters WHERE id = $1`,
      [clusterId],
    );
    return parseRebootPolicy(rows[0]?.reboot_policy ?? null);
  }

  /**
   * The cluster's policy with its stored text, which a later statement can compare with the policy then in force
   * (see `AcceptGuard`): equal texts are the same policy (jsonb's text is canonical).
   */
  async storedPolicy(clusterId: string): Promise<StoredPolicy> {
    const rows = await poolQuery<{ stored: string | null }>(
      this.dataSource,
      `SELECT reboot_policy::text AS stored FROM clusters WHERE id = $1`,
      [clusterId],
    );
    const stored = rows[0]?.stored ?? null;
    return { stored, policy: parseRebootPolicy(stored === null ? null : JSON.parse(stored)) };
  }

  /** The nodes of the cluster whose reboot has started and is not released (the node not back at rest yet). */
  async inFlight(clusterId: string): Promise<string[]> {
    const rows = await poolQuery<{ target: string }>(
      this.dataSource,
      `SELECT target FROM jobs WHERE cluster_id = $1 AND ${inFlightSql()}`,
      [clusterId],
    );
    return rows.map((row) => row.target);
  }

  /** How long ago each node's last reboot was released (ms), for the settle times (see {@link releasedAgoSql}). */
  async releasedAgo(clusterId: string): Promise<Record<string, number>> {
    const rows = await poolQuery<{ released: Record<string, number> }>(
      this.dataSource,
      `SELECT ${releasedAgoSql('$1')} AS released`,
      [clusterId],
    );
    return rows[0]?.released ?? {};
  }

  /** The nodes of the cluster whose reboot was asked and has not started yet, in request order. */
  async waitingTurn(clusterId: string): Promise<string[]> {
    const rows = await poolQuery<{ target: string }>(
      this.dataSource,
      `SELECT target FROM jobs WHERE cluster_id = $1 AND ${notStartedSql()} ORDER BY created_at, id`,
      [clusterId],
    );
    return rows.map((row) => row.target);
  }

  /**
   * The waiting reboots of the cluster to wake when one of its reboots ended, in request order: per role the
   * oldest, as many as the role may have in flight (see `turnHeads`). Job ids.
   */
  async wakeable(clusterId: string): Promise<string[]> {
    const rows = await poolQuery<{ id: string; target: string; policy: unknown }>(
      this.dataSource,
      `SELECT id, target, (SELECT reboot_policy FROM clusters WHERE id = $1) AS policy FROM jobs
        WHERE cluster_id = $1 AND ${notStartedSql()} AND waiting_reason IS NOT NULL ORDER BY created_at, id`,
      [clusterId],
    );
    if (rows.length === 0) return [];
    return turnHeads(rows, parseRebootPolicy(rows[0]!.policy ?? null)).map((row) => row.id);
  }

  /**
   * What a request to reboot one node is checked against, in one read: the cluster's policy, the node's last
   * `Done` (for the cooldown) and the node's active job, if any (the gateway's dry run and refusals).
   */
  async nodeFacts(clusterId: string, target: string): Promise<NodeRebootFacts> {
    const rows = await poolQuery<{ reboot_policy: unknown; last_done: Date | null; active_job: string | null }>(
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
}
