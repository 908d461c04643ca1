import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { isRebootJobPayload, REBOOT_QUEUE, retryDelayMs } from '@oshift/jobs';
import { RebootJobObserver } from './reboot-job.observer';
import { RebootHandler, type RunOutcome } from './reboot.handler';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/**
 * Consumes reboot jobs, one short step per delivery (see {@link RebootHandler}): a job that must look again later
 * goes back to the queue, delayed, holding no slot. Stalled-job settings, on purpose: a job whose worker died is taken back after
 * its 15 s lock lapses and resumed elsewhere (the handler is resumable, so stalls are never fatal); if the dead
 * handler's lease still runs, the message waits for its end. Failed tries back off 1 s, 2 s, … capped at 30 s.
 */
@Processor(REBOOT_QUEUE, {
  lockDuration: 15000,
  stalledInterval: 15000,
  maxStalledCount: 1000,
  settings: { backoffStrategy: retryDelayMs },
})
export class RebootProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(RebootProcessor.name);
  /** Jobs this process is driving now: a duplicate delivery of one of them is dropped here. */
  private readonly inHand = new Set<string>();

  constructor(
    private readonly handler: RebootHandler,
    private readonly observer: RebootJobObserver,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.concurrency;
  }

  async process(job: Job, token?: string): Promise<void> {
    if (!isRebootJobPayload(job.data)) {
      this.logger.error({ msg: 'malformed reboot job dropped', bullJobId: job.id });
      throw new UnrecoverableError('malformed payload');
    }
    if (this.inHand.has(job.data.jobId)) return;
    this.inHand.add(job.data.jobId);
    try {
      const payload = job.data;
      let outcome: RunOutcome = null;
      await this.observer.observe(payload, async () => {
        outcome = await this.handler.run(payload);
      });
      const retryAt = (outcome as RunOutcome)?.retryAt;
      if (retryAt && token) {
        // Back to the queue until then: a waiting job holds no worker slot.
        await job.moveToDelayed(retryAt.getTime(), token);
        throw new DelayedError();
      }
    } finally {
      this.inHand.delete(job.data.jobId);
    }
  }
}
