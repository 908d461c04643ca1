import type { DataSource } from 'typeorm';
import { poolQuery } from '@oshift/persistence';
import { parseRebootPolicy, type RebootPolicy, roleOf } from './reboot-policy';

/** Which reboots an ETA was learnt from: the node's own, else its role's in the cluster, else the cluster's. */
export type EtaBasis = 'node' | 'role' | 'cluster';

/** When a reboot still running is expected to end, and from what. */
export interface JobEta {
  /** RFC 3339 UTC. */
  eta: string;
  eta_basis: EtaBasis;
}

/** How many of the latest successful reboots a p50 is taken over. */
export const ETA_SAMPLE = 20;

/** One successful reboot of the history: its node, how long it took and when it ended (ms). */
interface PastReboot {
  target: string;
  ms: number;
  at: number;
}

/** What the ETA query reads: the jobs asked about, the cluster's history and rules, and Postgres' time. */
interface EtaRow {
  now_ms: string;
  policy: unknown;
  jobs: { id: string; target: string; sent_ms: number | null }[] | null;
  history: PastReboot[] | null;
}

/**
 * How many of the cluster's latest successful reboots a role's p50 is looked for in: the history read stays the
 * same size however long the cluster's history grows.
 */
export const ETA_ROLE_WINDOW = 10 * ETA_SAMPLE;

/**
 * One statement: the jobs' nodes and reboot times (of those admitted), the cluster's rules (for roles), the last
 * {@link ETA_SAMPLE} successful reboots (reboot POST accepted to `Done`) of each node asked about
 * (`jobs_node_done_idx`, one probe per node) and the cluster's last {@link ETA_ROLE_WINDOW} ones
 * (`jobs_done_reboots_idx`), which hold the last ones of the cluster and, but for a role that rarely reboots, of
 * each role. Bounded by the jobs asked about, never by the length of the history.
 */
const DONE_REBOOT = `d.cluster_id = $1 AND d.state = 'done' AND d.kind = 'reboot' AND d.reboot_sent_at IS NOT NULL`;
export const ETA_SQL = `SELECT (extract(epoch FROM now()) * 1000)::bigint::text AS now_ms,
       (SELECT reboot_policy FROM clusters WHERE id = $1) AS policy,
       (SELECT json_agg(json_build_object('id', j.id, 'target', j.target,
                                          'sent_ms', extract(epoch FROM j.reboot_sent_at) * 1000))
          FROM jobs j WHERE j.cluster_id = $1 AND j.id = ANY($2::text[]) AND j.admitted_at IS NOT NULL) AS jobs,
       (SELECT json_agg(json_build_object('target', h.target, 'ms', h.ms, 'at', h.at))
          FROM (SELECT d.id, d.target, extract(epoch FROM d.finished_at - d.reboot_sent_at) * 1000 AS ms,
                       extract(epoch FROM d.finished_at) * 1000 AS at
                  FROM (SELECT DISTINCT target FROM jobs WHERE cluster_id = $1 AND id = ANY($2::text[])) asked,
                       LATERAL (SELECT * FROM jobs d WHERE ${DONE_REBOOT} AND d.target = asked.target
                                 ORDER BY d.finished_at DESC LIMIT ${ETA_SAMPLE}) d
                UNION
                SELECT d.id, d.target, extract(epoch FROM d.finished_at - d.reboot_sent_at) * 1000,
                       extract(epoch FROM d.finished_at) * 1000
                  FROM (SELECT * FROM jobs d WHERE ${DONE_REBOOT} ORDER BY d.finished_at DESC LIMIT ${ETA_ROLE_WINDOW}) d
               ) h) AS history`;

/** The median of the newest {@link ETA_SAMPLE} reboots (the lower middle one of an even count), or null. */
export function p50Of(reboots: readonly PastReboot[]): number | null {
  const latest = [...reboots].sort((a, b) => b.at - a.at).slice(0, ETA_SAMPLE);
  if (latest.length === 0) return null;
  const durations = latest.map((reboot) => reboot.ms).sort((a, b) => a - b);
  return durations[Math.ceil(durations.length / 2) - 1]!;
}

/** The p50 reboot duration for `target` and what it was learnt from, or null with no history at all. */
export function typicalDuration(
  target: string,
  history: readonly PastReboot[],
  policy: RebootPolicy | null,
): { ms: number; basis: EtaBasis } | null {
  const own = p50Of(history.filter((reboot) => reboot.target === target));
  if (own !== null) return { ms: own, basis: 'node' };
  if (policy) {
    const role = roleOf(target, policy);
    const ofRole = p50Of(history.filter((reboot) => roleOf(reboot.target, policy) === role));
    if (ofRole !== null) return { ms: ofRole, basis: 'role' };
  }
  const ofCluster = p50Of(history);
  return ofCluster === null ? null : { ms: ofCluster, basis: 'cluster' };
}

/**
 * The ETAs of running reboot jobs of a cluster, in one query: the reboot's start (the POST Nova accepted; now
 * when not sent yet) plus the typical duration, never before now. Only jobs the cluster's rules let start have
 * one (how long a job waits for its turn is not known); jobs with no history to learn from are absent too.
 */
export async function jobEtas(
  dataSource: DataSource,
  clusterId: string,
  jobIds: string[],
): Promise<Map<string, JobEta>> {
  const etas = new Map<string, JobEta>();
  if (jobIds.length === 0) return etas;
  const [row] = await poolQuery<EtaRow>(dataSource, ETA_SQL, [clusterId, jobIds]);
  if (!row?.history?.length) return etas;
  let policy: RebootPolicy | null;
  try {
    policy = parseRebootPolicy(row.policy);
  } catch {
    policy = null; // rules the operator must fix: the role is not known, the node's and cluster's history still are
  }
  const now = Number(row.now_ms);
  for (const job of row.jobs ?? []) {
    const typical = typicalDuration(job.target, row.history, policy);
    if (!typical) continue;
    const at = Math.max(now, Math.round((job.sent_ms ?? now) + typical.ms));
    etas.set(job.id, { eta: new Date(at).toISOString(), eta_basis: typical.basis });
  }
  return etas;
}
