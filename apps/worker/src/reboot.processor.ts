import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { isRebootJobPayload, REBOOT_QUEUE } from '@oshift/jobs';
import { RebootJobObserver } from './reboot-job.observer';
import { HandBack, RebootHandler } from './reboot.handler';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/**
 * Consumes reboot jobs. Stalled-job settings, on purpose: a job whose worker died is taken back after
 * its 15 s lock lapses and resumed elsewhere (the handler is resumable, so stalls are never fatal).
 */
@Processor(REBOOT_QUEUE, { lockDuration: 15000, stalledInterval: 15000, maxStalledCount: 1000 })
export class RebootProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RebootProcessor.name);
  private readonly stopping = new AbortController();
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

  /** SIGTERM: take no new jobs, and hand running ones back to the queue instead of cutting them. */
  beforeApplicationShutdown(): void {
    this.stopping.abort();
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
      await this.observer.observe(payload, () => this.handler.run(payload, this.stopping.signal));
    } catch (error) {
      if (!(error instanceof HandBack) || !token) throw error;
      await job.moveToDelayed(Date.now() + 100, token);
      throw new DelayedError();
    } finally {
      this.inHand.delete(job.data.jobId);
    }
  }
}
