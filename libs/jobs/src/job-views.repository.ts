import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { poolQuery } from '@oshift/persistence';
import { jobEtas } from './job-etas';
import { activeStateSql } from './job-state';
import type { JobCursor, JobDetail, JobLine, JobLinesSince, JobListFilter, JobSummaryRow } from './job-view';

/** SQL for a timestamptz column as RFC 3339 UTC with milliseconds: how every time of the job API is written. */
export const rfc3339Sql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The `RETURNING`/select list of a job_lines row as a {@link JobLine}. */
export const LINE_VIEW = `seq AS n, ${rfc3339Sql('created_at')} AS time, line AS text`;

/**
 * SQL for the state a customer sees of a `jobs` row (`alias.` prefixes the columns): `scheduled` while an active
 * job's `not_before` is ahead, `waiting` while the job is active but the cluster's rules hold it back (not
 * admitted, with a reason), else the stored state.
 */
export function viewStateSql(alias = ''): string {
  return `CASE WHEN ${activeStateSql(alias)} AND ${alias}admitted_at IS NULL AND ${alias}not_before > now()
               THEN 'scheduled'
               WHEN ${activeStateSql(alias)} AND ${alias}admitted_at IS NULL AND ${alias}waiting_reason IS NOT NULL
               THEN 'waiting' ELSE ${alias}state END`;
}

/** A job with its lines as one row: `$1` the job id, `$2` its cluster (the gateway's and the benchmark's query). */
export const JOB_DETAIL_SQL = `SELECT (SELECT string_agg(l.line, E'\\n' ORDER BY l.seq) FROM job_lines l WHERE l.job_id = j.id) AS output,
       j.errors, ${viewStateSql('j.')} AS state, j.target, j.reboot_type AS type, j.requested_by,
       ${rfc3339Sql('j.created_at')} AS created_at, ${rfc3339Sql('j.started_at')} AS started_at,
       ${rfc3339Sql('j.finished_at')} AS ended_at, j.kind, j.rolling_role AS role, j.cancelled_by,
       ${rfc3339Sql('j.not_before')} AS not_before, j.window_override_by, j.window_override_reason
  FROM jobs j
 WHERE j.id = $1 AND j.cluster_id = $2`;

/** A row of {@link JOB_DETAIL_SQL}. */
export type JobDetailRow = Omit<JobDetail, 'output' | 'role' | 'cancelled_by' | 'not_before' | 'window_override'> & {
  /** The lines joined by Postgres (`\n`), null before the first: a string to read, not a `text[]` to parse. */
  output: string | null;
  role: JobDetail['role'] | null;
  cancelled_by: string | null;
  not_before: string | null;
  window_override_by: string | null;
  window_override_reason: string | null;
};

/**
 * The answer of `GET job/{id}` from its row: the reference's output and errors first, then the rest; `role`,
 * `cancelled_by`, `not_before` and `window_override` only when they apply (a rolling reboot's role, a cancelled
 * job's canceller, a scheduled reboot's time, who overrode the maintenance windows and why).
 */
export function jobDetailOf(row: JobDetailRow): JobDetail {
  const { output, role, cancelled_by, not_before, window_override_by, window_override_reason, ...rest } = row;
  return {
    output: output ?? '',
    ...rest,
    ...(role ? { role } : {}),
    ...(cancelled_by ? { cancelled_by } : {}),
    ...(not_before ? { not_before } : {}),
    ...(window_override_by
      ? { window_override: { by: window_override_by, reason: window_override_reason ?? '' } }
      : {}),
  };
}

/** Only a single reboot that has not ended has an ETA. */
function expectsEta(job: Pick<JobDetail, 'kind' | 'state'>): boolean {
  return job.kind === 'reboot' && job.state !== 'done' && job.state !== 'failed';
}

/**
 * What customers read about jobs, each answer in one query: a job with its output, the lines after a
 * cursor, and a cluster's jobs newest first. Every read names the cluster: a job of another is not found.
 */
@Injectable()
export class JobViews {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The job with its whole output, or null when the cluster has no such job. */
  async detail(clusterId: string, jobId: string): Promise<JobDetail | null> {
    const rows = await poolQuery<JobDetailRow>(this.dataSource, JOB_DETAIL_SQL, [jobId, clusterId]);
    if (!rows[0]) return null;
    const job = jobDetailOf(rows[0]);
    if (!expectsEta(job)) return job;
    return { ...job, ...(await jobEtas(this.dataSource, clusterId, [jobId])).get(jobId) };
  }

  /** The job's state and errors with its lines after the `since`-th, or null when the cluster has no such job. */
  async linesSince(clusterId: string, jobId: string, since: number): Promise<JobLinesSince | null> {
    const rows = await poolQuery<{ state: JobLinesSince['state']; errors: string; lines: JobLine[] | null }>(
      this.dataSource,
      `SELECT ${viewStateSql('j.')} AS state, j.errors,
                (SELECT json_agg(json_build_object('n', l.seq, 'time', ${rfc3339Sql('l.created_at')}, 'text', l.line)
                                 ORDER BY l.seq)
                   FROM job_lines l WHERE l.job_id = j.id AND l.seq > $3) AS lines
           FROM jobs j
          WHERE j.id = $1 AND j.cluster_id = $2`,
      [jobId, clusterId, since],
    );
    const row = rows[0];
    if (!row) return null;
    const lines = row.lines ?? [];
    return { state: row.state, errors: row.errors, lines, next: lines.at(-1)?.n ?? since };
  }

  /** A page of the cluster's jobs, newest first, and the cursor of the next page (null on the last one). */
  async list(clusterId: string, filter: JobListFilter): Promise<{ jobs: JobSummaryRow[]; next: JobCursor | null }> {
    const rows: (Omit<JobSummaryRow, 'role'> & { role: JobSummaryRow['role'] | null; created_micros: string })[] =
      await this.dataSource.query(
        `SELECT j.id AS job_id, j.target, j.reboot_type AS type, ${viewStateSql('j.')} AS state,
              ${rfc3339Sql('j.created_at')} AS created_at, ${rfc3339Sql('j.finished_at')} AS ended_at,
              j.kind, j.rolling_role AS role,
              (extract(epoch FROM j.created_at) * 1000000)::bigint::text AS created_micros
         FROM jobs j
        WHERE j.cluster_id = $1
          AND ($2::text IS NULL OR ${viewStateSql('j.')} = $2)
          AND ($3::text IS NULL OR j.target = $3)
          AND ($4::bigint IS NULL OR (j.created_at, j.id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5))
        ORDER BY j.created_at DESC, j.id DESC
        LIMIT $6`,
        [
          clusterId,
          filter.state ?? null,
          filter.target ?? null,
          filter.before?.createdMicros ?? null,
          filter.before?.id ?? null,
          filter.limit + 1,
        ],
      );
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    const etas = await jobEtas(
      this.dataSource,
      clusterId,
      page.filter(expectsEta).map((job) => job.job_id),
    );
    return {
      jobs: page.map(({ created_micros: _, role, ...job }) => ({
        ...job,
        ...(role ? { role } : {}),
        ...etas.get(job.job_id),
      })),
      next: rows.length > filter.limit && last ? { createdMicros: last.created_micros, id: last.job_id } : null,
    };
  }
}
