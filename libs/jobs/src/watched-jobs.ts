import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditAction } from '@oshift/audit';
import { poolQuery, queryRows } from '@oshift/persistence';
import { activeStateSql, JobEndLine, releasedOnEndSql } from './job-state';
import type { JobEntity } from './job.entity';
import { jobFromRow, WITH_DB_NOW } from './job-row';
import type { JobLine } from './job-view';
import { LINE_VIEW } from './job-views.repository';

/** What one poll of a cluster writes for one of its jobs: its status line, and its end when it ended. */
export interface PollEntry {
  jobId: string;
  /**
   * `<node> <STATUS>` (none when Nova could not be asked this time, or when the status has not changed since the
   * last one and `OUTPUT_LINE_SECONDS` have not passed), and any note after it.
   */
  lines: string[];
  /** The `<node> <STATUS>` line among `lines`, when this poll writes one: kept with the job, with its time. */
  status?: string;
  /**
   * `released`: a failed job's node is back at rest already by this poll's listing and no POST of it may still
   * land, so it is released as it ends (else only a `Done` job, or one that never attempted a reboot, is).
   */
  end?: { state: 'done' | 'failed'; errors: string; released?: boolean };
}

/** A cluster with jobs to watch, and whether it has ended reboots not released yet among them. */
export interface WatchedCluster {
  id: string;
  unreleased: boolean;
}

/** A line one poll wrote, with its job. */
export type WrittenLine = JobLine & { jobId: string };

/** An ended reboot not released yet: a POST of it might still land, or its node was not seen back at rest. */
export interface UnreleasedJob {
  id: string;
  target: string;
  serverId: string | null;
  /** How long ago its last reboot POST was attempted (ms, by Postgres' clock). */
  attemptedAgoMs: number;
  /** Nova's acceptance of that POST is not recorded: it may land until the confirm window has passed. */
  inDoubt: boolean;
}

const ACTIVE = activeStateSql();

/**
 * How a cluster watcher's lease owner ends (a handler's does not): the watcher holding a cluster's watch takes its
 * jobs over from another watcher at once (see {@link WatchedJobs.hold}).
 */
export const WATCHER_OWNER_SUFFIX = ':watch';

/** SQL condition "an ended reboot that still counts as in flight". */
const UNRELEASED = `state IN ('done', 'failed') AND admitted_at IS NOT NULL AND released_at IS NULL`;

/**
 * The jobs a cluster's watcher observes: every active job whose reboot was attempted (sent, or in doubt). The
 * watcher holds them under the same leases a handler does (so no two writers ever write one job), renews them
 * with every poll, and writes a whole poll of a cluster (every job's line, the ends, their audit records) in one
 * statement.
 */
@Injectable()
export class WatchedJobs {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The clusters that have jobs to watch now: reboots attempted, and ended reboots not released yet (`unreleased`
   * says whether it has any, so a poll asks for them only then).
   */
  async clusters(): Promise<WatchedCluster[]> {
    const rows = await poolQuery<{ cluster_id: string; unreleased: boolean }>(
      this.dataSource,
      `SELECT cluster_id, bool_or(unreleased) AS unreleased
         FROM (SELECT DISTINCT cluster_id, false AS unreleased FROM jobs WHERE reboot_attempted_at IS NOT NULL AND ${ACTIVE}
               UNION SELECT DISTINCT cluster_id, true FROM jobs WHERE ${UNRELEASED}) watched
        GROUP BY cluster_id`,
      [],
    );
    return rows.map((row) => ({ id: row.cluster_id, unreleased: row.unreleased }));
  }

  /**
   * Takes (or renews) the leases of the cluster's watched jobs, and answers them: the jobs this watcher may write
   * this poll. The caller holds the cluster's watch (one watcher per cluster at a time, in Redis), so a job another
   * watcher still holds is taken over at once: that watcher lost the watch (it paused, or its round ran late), and
   * every write of a job is fenced by its lease owner, so it writes nothing more of it. Waiting for its lease to
   * lapse instead would stall the cluster's reboots for a whole job lease. A job a handler holds (sending its
   * reboot now) is left alone.
   */
  async hold(clusterId: string, owner: string, ttlMs: number): Promise<JobEntity[]> {
    const rows = await queryRows<Record<string, unknown>>(
      this.dataSource,
      `UPDATE jobs SET lease_owner = $2, lease_until = now() + make_interval(secs => $3), state = 'running'
        WHERE cluster_id = $1 AND reboot_attempted_at IS NOT NULL AND ${ACTIVE}
          AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2 OR lease_owner LIKE '%' || $4)
        RETURNING *, ${WITH_DB_NOW}`,
      [clusterId, owner, ttlMs / 1000, WATCHER_OWNER_SUFFIX],
    );
    return rows.map((row) => jobFromRow(this.dataSource, row));
  }

  /**
   * The cluster's ended reboots that still count as in flight (see {@link UnreleasedJob}). They need no lease:
   * releasing one is a single idempotent write, whichever watcher makes it.
   */
  async unreleased(clusterId: string): Promise<UnreleasedJob[]> {
    const rows = await poolQuery<{
      id: string;
      target: string;
      server_id: string | null;
      attempted_ago_ms: number | null;
      in_doubt: boolean;
    }>(
      this.dataSource,
      `SELECT id, target, server_id,
              (extract(epoch FROM now() - reboot_attempted_at) * 1000)::float8 AS attempted_ago_ms,
              (reboot_sent_at IS NULL OR reboot_sent_at < reboot_attempted_at) AS in_doubt
         FROM jobs WHERE cluster_id = $1 AND ${UNRELEASED}`,
      [clusterId],
    );
    return rows.map((row) => ({
      id: row.id,
      target: row.target,
      serverId: row.server_id,
      attemptedAgoMs: Number(row.attempted_ago_ms ?? Number.POSITIVE_INFINITY),
      inDoubt: row.in_doubt,
    }));
  }

  /** Releases ended reboots: their nodes are back at rest. Answers the ids released now. */
  async release(jobIds: readonly string[]): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `UPDATE jobs SET released_at = now() WHERE id = ANY($1::text[]) AND ${UNRELEASED} RETURNING id`,
      [jobIds],
    );
    return rows.map((row) => row.id);
  }

  /** Gives up the leases of the cluster's jobs this watcher holds (it no longer watches the cluster). */
  async letGo(clusterId: string, owner: string): Promise<void> {
    await queryRows(
      this.dataSource,
      `UPDATE jobs SET lease_until = now() WHERE cluster_id = $1 AND lease_owner = $2 AND ${ACTIVE}`,
      [clusterId, owner],
    );
  }

  /**
   * Writes one poll of a cluster in one statement, for the jobs whose lease the watcher still holds: each
   * job's lines (lines are never rewritten, numbered on) and its status line with its time (`status_line`, for the
   * cadence of the next), and for the jobs that ended, the final state, the
   * `Done`/`Fail` line and the `job.end` audit record. Leases are renewed; an ended job's is dropped.
   */
  async writePoll(owner: string, ttlMs: number, entries: readonly PollEntry[]): Promise<WrittenLine[]> {
    if (entries.length === 0) return [];
    const rows = await queryRows<WrittenLine>(
      this.dataSource,
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($3::jsonb)
                    AS i(job_id text, lines jsonb, status text, end_state text, errors text, released boolean)),
       held AS (
         UPDATE jobs j
            SET lease_until = CASE WHEN i.end_state IS NULL THEN now() + make_interval(secs => $2) END,
                state = COALESCE(i.end_state, j.state),
                status_line = COALESCE(i.status, j.status_line),
                status_line_at = CASE WHEN i.status IS NULL THEN j.status_line_at ELSE now() END,
                errors = COALESCE(i.errors, j.errors),
                finished_at = CASE WHEN i.end_state IS NULL THEN j.finished_at ELSE now() END,
                released_at = CASE WHEN i.end_state IS NULL THEN j.released_at WHEN i.released THEN now()
                                   ELSE ${releasedOnEndSql('i.end_state', 'j.')} END
           FROM input i
          WHERE j.id = i.job_id AND j.lease_owner = $1 AND ${activeStateSql('j.')}
          RETURNING j.id, j.cluster_id, j.target, j.requested_by, i.lines, i.end_state, i.errors),
       numbered AS (
         SELECT h.id, top.seq + row_number() OVER (PARTITION BY h.id ORDER BY x.ord) AS seq, x.text
           FROM held h
           CROSS JOIN LATERAL (SELECT COALESCE(MAX(seq), 0) AS seq FROM job_lines WHERE job_id = h.id) top
           CROSS JOIN LATERAL (
             SELECT value AS text, ordinality AS ord FROM jsonb_array_elements_text(h.lines) WITH ORDINALITY
             UNION ALL
             SELECT CASE h.end_state WHEN 'done' THEN '${JobEndLine.done}' WHEN 'failed' THEN '${JobEndLine.failed}' END,
                    1000000
           ) AS x
          WHERE x.text IS NOT NULL),
       written AS (
         INSERT INTO job_lines (job_id, seq, line) SELECT id, seq, text FROM numbered
         RETURNING job_id, ${LINE_VIEW}),
       audited AS (
         INSERT INTO audit_events (actor, source, action, cluster_id, target, outcome, detail)
         SELECT 'worker', NULL, '${AuditAction.jobEnd}', cluster_id, target, end_state,
                jsonb_build_object('jobId', id, 'requestedBy', requested_by, 'errors', errors)
           FROM held WHERE end_state IS NOT NULL)
       SELECT job_id AS "jobId", n, time, text FROM written ORDER BY job_id, n`,
      [
        owner,
        ttlMs / 1000,
        JSON.stringify(
          entries.map((entry) => ({
            job_id: entry.jobId,
            lines: entry.lines,
            status: entry.status ?? null,
            end_state: entry.end?.state ?? null,
            errors: entry.end?.errors ?? null,
            released: entry.end?.released ?? false,
          })),
        ),
      ],
    );
    return rows;
  }
}
