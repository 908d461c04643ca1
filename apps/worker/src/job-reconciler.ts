import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { enqueueReboot, JobLeases, JobRequests, REBOOT_QUEUE, type RebootQueue } from '@oshift/jobs';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** What the reconciler asks of the queue: BullMQ's `Queue`, or a fake in unit tests. */
export interface ReconciledQueue extends RebootQueue {
  getJob(id: string): Promise<{ isFailed(): Promise<boolean>; retry(): Promise<void> } | undefined>;
}

/**
 * Postgres is the source of truth, Redis only carries work: jobs that Postgres holds as queued or
 * running but that the queue lost (Redis restarted empty, failover, retries exhausted) are handed
 * back to the queue. Safe on every worker at once: a job id is in the queue at most once.
 */
@Injectable()
export class JobReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobReconciler.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(JobLeases) private readonly jobs: Pick<JobLeases, 'findActiveOlderThan'>,
    @InjectQueue(REBOOT_QUEUE) private readonly queue: ReconciledQueue,
    @Inject(WORKER_CONFIG) private readonly config: { worker: Pick<WorkerConfig['worker'], 'reconcileIntervalMs'> },
    /** Forgets expired idempotency keys on each pass (absent in unit tests of the reconciling itself). */
    @Optional() @Inject(JobRequests) private readonly requests?: Pick<JobRequests, 'forgetExpiredKeys'>,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.worker.reconcileIntervalMs;
    this.timer = setInterval(
      () => void this.reconcile().catch((error) => this.logger.warn({ msg: 'reconcile failed', error: String(error) })),
      every,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Re-enqueues orphaned jobs; returns how many it handed back. */
  async reconcile(): Promise<number> {
    const orphans = await this.jobs.findActiveOlderThan(this.config.worker.reconcileIntervalMs);
    let handedBack = 0;
    for (const job of orphans) {
      const queued = await this.queue.getJob(job.id);
      if (!queued) {
        await enqueueReboot(this.queue, { jobId: job.id, clusterId: job.clusterId, requestId: job.requestId });
        handedBack += 1;
      } else if (await queued.isFailed()) {
        await queued.retry();
        handedBack += 1;
      }
    }
    if (handedBack > 0) this.logger.warn({ msg: 'orphaned jobs handed back to the queue', count: handedBack });
    // Idempotency keys replay for 24 h; older ones only take room.
    await this.requests?.forgetExpiredKeys();
    return handedBack;
  }
}
