import { Injectable, Logger } from '@nestjs/common';
import { ActiveJobStates, JobLeases, type RebootJobPayload } from '@oshift/jobs';
import { type Histogram, MetricsRegistry, withLogContext } from '@oshift/observability';

/**
 * What the worker tells operators about each job it handles: every log line written while handling it
 * carries its `jobId` and the `requestId` of the gateway request that created it, and a job that ends in
 * this worker (in its handler, its watcher or a rolling step) is counted in `oshift_job_duration_seconds{outcome}`
 * (from acceptance to its last line).
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

  /** Runs `handle` for the job in its log context. */
  observe(payload: RebootJobPayload, handle: () => Promise<void>): Promise<void> {
    return withLogContext({ jobId: payload.jobId, requestId: payload.requestId }, handle);
  }

  /** Counts a job that just ended here. Best effort: a failed read here never fails anything. */
  async recordEnd(jobId: string): Promise<void> {
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
