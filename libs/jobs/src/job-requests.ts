import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import { queryRows } from '@oshift/persistence';
import { ActiveJobStates } from './job-state';
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

/**
 * The jobs as the gateway sees them: it records a requested job, discards one the queue refused, and reads
 * a job's output. (The worker's side, leases and progress, is {@link JobLeases}.)
 */
@Injectable()
export class JobRequests {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a queued reboot job, and with it (same transaction) whatever `alsoRecord` writes: the audit
   * record of the request. Throws {@link RebootAlreadyRunningError} when the node already has an active
   * job (the partial unique index decides, so two concurrent requests cannot both win).
   */
  createQueued(
    job: NewRebootJob,
    alsoRecord: (manager: EntityManager) => Promise<void> = async () => undefined,
  ): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      await this.insertQueued(job, manager);
      await alsoRecord(manager);
    });
  }

  /** Removes a job that was never handed to a worker (its enqueue failed). */
  async discardQueued(jobId: string): Promise<void> {
    await queryRows(this.dataSource, `DELETE FROM jobs WHERE id = $1 AND state = 'queued' AND attempts = 0`, [jobId]);
  }

  /** Output and errors of a job of this cluster, or null when there is no such job in the cluster. */
  async readOutput(clusterId: string, jobId: string): Promise<JobOutput | null> {
    const [row] = await queryRows<{ errors: string; lines: string[] | null }>(
      this.dataSource,
      `SELECT j.errors,
              (SELECT array_agg(l.line ORDER BY l.seq) FROM job_lines l WHERE l.job_id = j.id) AS lines
         FROM jobs j
        WHERE j.id = $1 AND j.cluster_id = $2`,
      [jobId, clusterId],
    );
    return row ? { output: (row.lines ?? []).join('\n'), errors: row.errors } : null;
  }

  private async insertQueued(job: NewRebootJob, manager: EntityManager): Promise<void> {
    try {
      // In a savepoint: the transaction (job + audit record) must survive a conflict to read the running job.
      await manager.transaction((inner) => inner.insert(JobEntity, { ...job, state: 'queued' }));
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code !== UNIQUE_VIOLATION) throw error;
      const active = await manager.findOne(JobEntity, {
        select: { id: true },
        where: { clusterId: job.clusterId, target: job.target, state: In([...ActiveJobStates]) },
      });
      throw new RebootAlreadyRunningError(active?.id ?? '', job.clusterId);
    }
  }
}
