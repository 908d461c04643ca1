import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { JobEndLine, type JobState } from './job-state';
import { JobEntity } from './job.entity';
import type { JobOutput } from './job-output';
import { RebootAlreadyRunningError } from './job.errors';

export interface NewRebootJob {
  id: string;
  clusterId: string;
  target: string;
  requestedBy: string;
  requestId: string | null;
  deadlineAt: Date;
}

const UNIQUE_VIOLATION = '23505';

/** Jobs and their output lines in Postgres: the source of truth for every reboot. */
@Injectable()
export class JobRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a queued reboot job. Throws {@link RebootAlreadyRunningError} when the node already has an
   * active job (the partial unique index decides, so two concurrent requests cannot both win).
   */
  async createQueued(job: NewRebootJob, manager: EntityManager = this.dataSource.manager): Promise<void> {
    try {
      await manager.insert(JobEntity, { ...job, state: 'queued' });
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code !== UNIQUE_VIOLATION) throw error;
      const active = await manager.findOne(JobEntity, {
        select: { id: true },
        where: [
          { clusterId: job.clusterId, target: job.target, state: 'queued' },
          { clusterId: job.clusterId, target: job.target, state: 'running' },
        ],
      });
      throw new RebootAlreadyRunningError(active?.id ?? '');
    }
  }

  /** Removes a job that was never handed to a worker (its enqueue failed). */
  async discardQueued(jobId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM jobs WHERE id = $1 AND state = 'queued' AND attempts = 0`, [jobId]);
  }

  /** The job of this cluster with this id, or null (a job of another cluster is null too). */
  findInCluster(clusterId: string, jobId: string): Promise<JobEntity | null> {
    return this.dataSource.manager.findOne(JobEntity, { where: { id: jobId, clusterId } });
  }

  find(jobId: string): Promise<JobEntity | null> {
    return this.dataSource.manager.findOne(JobEntity, { where: { id: jobId } });
  }

  /** Output and errors of a job of this cluster, or null when there is no such job in the cluster. */
  async readOutput(clusterId: string, jobId: string): Promise<JobOutput | null> {
    const rows: { errors: string; lines: string[] | null }[] = await this.dataSource.query(
      `SELECT j.errors,
              (SELECT array_agg(l.line ORDER BY l.seq) FROM job_lines l WHERE l.job_id = j.id) AS lines
         FROM jobs j
        WHERE j.id = $1 AND j.cluster_id = $2`,
      [jobId, clusterId],
    );
    if (rows.length === 0) return null;
    return { output: (rows[0].lines ?? []).join('\n'), errors: rows[0].errors };
  }

  /** Marks a job running (or keeps it running when another worker resumes it) and counts the attempt. */
  async markRunning(jobId: string): Promise<JobEntity | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now())
        WHERE id = $1 AND state IN ('queued', 'running') RETURNING id`,
      [jobId],
    );
    return rows.length === 0 ? null : this.find(jobId);
  }

  /** Remembers which Nova server the job's node is. */
  async setServer(jobId: string, serverId: string): Promise<void> {
    await this.dataSource.manager.update(JobEntity, { id: jobId }, { serverId });
  }

  /** Records that the reboot action is about to be sent (so a resumed job knows it may have been). */
  async markRebootAttempted(jobId: string, type: 'SOFT' | 'HARD'): Promise<void> {
    await this.dataSource.manager.update(JobEntity, { id: jobId }, { rebootAttemptedAt: new Date(), rebootType: type });
  }

  /** Records that Nova accepted the reboot action. */
  async markRebootSent(jobId: string, type: 'SOFT' | 'HARD'): Promise<void> {
    await this.dataSource.manager.update(JobEntity, { id: jobId }, { rebootSentAt: new Date(), rebootType: type });
  }

  /** Appends one output line; lines are never rewritten. */
  async appendLine(jobId: string, line: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO job_lines (job_id, seq, line)
       SELECT $1, COALESCE(MAX(seq), 0) + 1, $2 FROM job_lines WHERE job_id = $1`,
      [jobId, line],
    );
  }

  /**
   * Ends a job: appends `Done` or `Fail` and sets the final state in one transaction.
   * Returns false when the job had already ended (another worker finished it).
   */
  finish(jobId: string, state: Extract<JobState, 'done' | 'failed'>, errors = ''): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const ended: { id: string }[] = await manager.query(
        `UPDATE jobs SET state = $2, errors = $3, finished_at = now()
          WHERE id = $1 AND state IN ('queued', 'running') RETURNING id`,
        [jobId, state, errors],
      );
      if (ended.length === 0) return false;
      await this.appendLine(jobId, state === 'done' ? JobEndLine.done : JobEndLine.failed, manager);
      return true;
    });
  }

  /** Jobs still owed an end, older than the given age: what the reconciler hands back to the queue. */
  async findActiveOlderThan(ageMs: number, limit = 500): Promise<Pick<JobEntity, 'id' | 'clusterId' | 'requestId'>[]> {
    const rows: { id: string; cluster_id: string; request_id: string | null }[] = await this.dataSource.query(
      `SELECT id, cluster_id, request_id FROM jobs
        WHERE state IN ('queued', 'running') AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2`,
      [ageMs / 1000, limit],
    );
    return rows.map((row) => ({ id: row.id, clusterId: row.cluster_id, requestId: row.request_id }));
  }
}
