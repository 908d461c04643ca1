import { Injectable, Logger } from '@nestjs/common';
import { ActiveJobStates, JobLeases, type RebootJobPayload } from '@oshift/jobs';
import { type Histogram, MetricsRegistry, withLogContext } from '@oshift/observability';

/**
 * What the worker tells operators about each job it handles: every log line written while handling it
 * carries its `jobId` and the `requestId` of the gateway request that created it, and a job that ends in
 * this worker is counted in `oshift_job_duration_seconds{outcome}` (from acceptance to its last line).
 */
@Injectable()
export class RebootJobObserver {
  private readonly logger = new Logger(RebootJobObserver.name);
  private readonly duration: Histogram<'outcome'>;

  constructor(
    metrics: MetricsRegistry,
    private readonly jobs: JobLeases,
  ) {
    this.duration = metrics.histogram({
      name: 'oshift_job_duration_seconds',
      help: 'Time from a reboot being accepted to its job ending, by outcome (done, failed)',
      labelNames: ['outcome'],
      buckets: [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200],
    });
  }

  /**
   * Runs `handle` for the job in its log context, then records the job's duration if this run ended it.
   * Metrics are best effort: a failed read here never fails the job.
   */
  observe(payload: RebootJobPayload, handle: () => Promise<void>): Promise<void> {
    return withLogContext({ jobId: payload.jobId, requestId: payload.requestId }, async () => {
      const wasActive = await this.isActive(payload.jobId);
      await handle();
      if (wasActive) await this.recordEnd(payload.jobId);
    });
  }

  private async isActive(jobId: string): Promise<boolean> {
    try {
      const job = await this.jobs.find(jobId);
      return job !== null && ActiveJobStates.includes(job.state);
    } catch {
      return false;
    }
  }

  private async recordEnd(jobId: string): Promise<void> {
    try {
      const job = await this.jobs.find(jobId);
      if (!job?.finishedAt || ActiveJobStates.includes(job.state)) return;
      const seconds = (job.finishedAt.getTime() - job.createdAt.getTime()) / 1000;
      this.duration.observe({ outcome: job.state }, Math.max(0, seconds));
    } catch (error) {
      this.logger.debug({ msg: 'job duration not recorded', error: String(error) });
    }
  }
}
