import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JobRetention, type RetentionRun, type RetentionTable, RetentionTables } from '@oshift/jobs';
import { MetricsRegistry } from '@oshift/observability';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/**
 * Retention, by the workers: every `RETENTION_INTERVAL_SECONDS` a pass deletes ended jobs older than
 * `RETENTION_DAYS` (with their lines, deliveries and idempotency keys) and audit events older than
 * `AUDIT_RETENTION_DAYS`, in batches of `RETENTION_BATCH_SIZE` (see {@link JobRetention}: each batch its own
 * short transaction; a worker that finds another one deleting leaves the pass to it). Exports
 * `oshift_retention_deleted_rows_total{table}` and `oshift_retention_oldest_row_age_seconds{table}`.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly deleted;
  private oldest: Partial<Record<RetentionTable, Date | null>> = {};

  constructor(
    private readonly retention: JobRetention,
    metrics: MetricsRegistry,
    @Inject(WORKER_CONFIG) private readonly config: Pick<WorkerConfig, 'retention'>,
  ) {
    this.deleted = metrics.counter({
      name: 'oshift_retention_deleted_rows_total',
      help: 'Rows deleted by retention (this worker’s batches), by table',
      labelNames: ['table'],
    });
    for (const table of RetentionTables) this.deleted.inc({ table }, 0);
    const kept = () => this.oldest;
    metrics.gauge({
      name: 'oshift_retention_oldest_row_age_seconds',
      help: 'Age of the oldest row kept, by table, as of this worker’s last retention pass (ended jobs by their end)',
      labelNames: ['table'],
      collect() {
        this.reset();
        const now = Date.now();
        for (const [table, at] of Object.entries(kept())) {
          if (at) this.set({ table }, Math.max(0, (now - at.getTime()) / 1000));
        }
      },
    });
  }

  onApplicationBootstrap(): void {
    const pass = () => {
      if (this.running || this.stopped) return;
      this.running = this.sweep()
        .catch((error) => this.logger.warn({ msg: 'retention pass failed', error: String(error) }))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(pass, this.config.retention.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: batches until nothing is past retention (or another worker holds the lock); answers the totals. */
  async sweep(now = Date.now()): Promise<RetentionRun> {
    const { jobsMs, auditMs, batchSize } = this.config.retention;
    const totals = await this.retention.run(
      { jobsBefore: new Date(now - jobsMs), auditBefore: new Date(now - auditMs) },
      batchSize,
      {
        onBatch: (counts) => {
          for (const table of RetentionTables) if (counts[table] > 0) this.deleted.inc({ table }, counts[table]);
        },
        stop: () => this.stopped,
      },
    );
    this.oldest = await this.retention.oldestKept();
    if (totals.jobs + totals.audit_events > 0) this.logger.log({ msg: 'retention pass', ...totals });
    return totals;
  }
}
