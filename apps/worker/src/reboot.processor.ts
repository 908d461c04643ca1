import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { setMaxListeners } from 'node:events';
import { isRebootJobPayload, REBOOT_QUEUE, retryDelayMs } from '@oshift/jobs';
import { RebootJobObserver } from './reboot-job.observer';
import { HandBack, RebootHandler, type RunOutcome } from './reboot.handler';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** A message that meets another handler's lease is looked at again this long after the lease ends. */
const AFTER_LEASE_MS = 250;

/**
 * Consumes reboot jobs. Stalled-job settings, on purpose: a job whose worker died is taken back after
 * its 15 s lock lapses and resumed elsewhere (the handler is resumable, so stalls are never fatal); if the dead
 * handler's lease still runs, the message waits for its end. Failed tries back off 1 s, 2 s, … capped at 30 s.
 */
@Processor(REBOOT_QUEUE, {
  lockDuration: 15000,
  stalledInterval: 15000,
  maxStalledCount: 1000,
  settings: { backoffStrategy: retryDelayMs },
})
export class RebootProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RebootProcessor.name);
  private readonly stopping = (() => {
    const controller = new AbortController();
    // Every job in hand waits on this one signal: as many listeners as WORKER_CONCURRENCY, on purpose.
    setMaxListeners(0, controller.signal);
    return controller;
  })();
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
      let outcome: RunOutcome = null;
      await this.observer.observe(payload, async () => {
        outcome = await this.handler.run(payload, this.stopping.signal);
      });
      const heldUntil = (outcome as RunOutcome)?.heldUntil;
      if (heldUntil && token) {
        await job.moveToDelayed(heldUntil.getTime() + AFTER_LEASE_MS, token);
        throw new DelayedError();
      }
    } catch (error) {
      if (!(error instanceof HandBack) || !token) throw error;
      await job.moveToDelayed(Date.now() + 100, token);
      throw new DelayedError();
    } finally {
      this.inHand.delete(job.data.jobId);
    }
  }
}
