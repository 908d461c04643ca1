import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { enqueueReboot, JobLeases, JobRequests, type OrphanedJob, REBOOT_QUEUE, type RebootQueue } from '@oshift/jobs';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** Orphans read per query. */
const PAGE_SIZE = 200;

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

  /**
   * Re-enqueues orphaned jobs, page by page, oldest deadline first; one job's failure (logged) does not stop
   * the pass. Returns how many it handed back.
   */
  async reconcile(): Promise<number> {
    let handedBack = 0;
    let after: OrphanedJob | undefined;
    for (;;) {
      const page = await this.jobs.findActiveOlderThan(this.config.worker.reconcileIntervalMs, PAGE_SIZE, after);
      for (const job of page) {
        try {
          if (await this.handBack(job)) handedBack += 1;
        } catch (error) {
          this.logger.warn({ msg: 'orphaned job not handed back', jobId: job.id, error: String(error) });
        }
      }
      if (page.length < PAGE_SIZE) break;
      after = page[page.length - 1];
    }
    if (handedBack > 0) this.logger.warn({ msg: 'orphaned jobs handed back to the queue', count: handedBack });
    // Idempotency keys replay for 24 h; older ones only take room.
    await this.requests?.forgetExpiredKeys();
    return handedBack;
  }

  private async handBack(job: OrphanedJob): Promise<boolean> {
    const queued = await this.queue.getJob(job.id);
    if (!queued) {
      const payload = { jobId: job.id, clusterId: job.clusterId, requestId: job.requestId };
      // A scheduled job lost from the queue goes back delayed until its time: it holds no slot before then.
      await enqueueReboot(this.queue, payload, job.deadlineAt, job.notBefore);
      return true;
    }
    if (await queued.isFailed()) {
      await queued.retry();
      return true;
    }
    return false;
  }
}
