import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { cachedRead, MetricsRegistry, withinTimeout } from '@oshift/observability';
import { queryRows } from '@oshift/persistence';
import { activeStateSql, JobStates } from './job-state';
import { REBOOT_QUEUE } from './reboot-queue';

/** Scrapes closer together than this share one count (every gateway and worker is scraped). */
const SCRAPE_CACHE_MS = 5000;

/** A scrape does not wait longer than this for Postgres or Redis. */
const SOURCE_TIMEOUT_MS = 2000;

/** Queue states worth watching: work waiting, in hand, waiting out a backoff, or given up. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * Job gauges of a process that touches the reboot queue, computed when `/metrics` is scraped:
 * `oshift_jobs{state}` (jobs in Postgres by state, the source of truth), `oshift_jobs_past_deadline` (jobs
 * still queued or running after their deadline: the reconciler ends those, so a lasting count means nothing
 * does) and `oshift_queue_jobs{state}` (BullMQ's counts). A source that does not answer leaves its gauge
 * empty rather than stale.
 */
@Injectable()
export class JobMetrics {
  private readonly logger = new Logger(JobMetrics.name);

  constructor(
    metrics: MetricsRegistry,
    @InjectDataSource() dataSource: DataSource,
    @InjectQueue(REBOOT_QUEUE) queue: Queue,
  ) {
    const countJobs = cachedRead(async () => {
      const rows = await withinTimeout(
        queryRows<{ state: string; count: number; overdue: number }>(
          dataSource,
          `SELECT state, count(*)::int AS count,
                  (count(*) FILTER (WHERE ${activeStateSql()} AND deadline_at < now()))::int AS overdue
             FROM jobs GROUP BY state`,
        ),
        SOURCE_TIMEOUT_MS,
      );
      return {
        byState: new Map(rows.map((row) => [row.state, row.count])),
        overdue: rows.reduce((sum, row) => sum + row.overdue, 0),
      };
    }, SCRAPE_CACHE_MS);
    const countQueue = cachedRead(
      () => withinTimeout(queue.getJobCounts(...QUEUE_STATES), SOURCE_TIMEOUT_MS),
      SCRAPE_CACHE_MS,
    );
    const warn = (source: string) => (error: unknown) =>
      this.logger.warn({ msg: 'metrics source did not answer', source, error: String(error) });

    metrics.gauge({
      name: 'oshift_jobs',
      help: 'Reboot jobs recorded in Postgres, by state',
      labelNames: ['state'],
      async collect() {
        this.reset();
        const counts = await countJobs().catch(warn('postgres'));
        if (!counts) return;
        for (const state of JobStates) this.set({ state }, counts.byState.get(state) ?? 0);
      },
    });
    metrics.gauge({
      name: 'oshift_jobs_past_deadline',
      help: 'Reboot jobs still queued or running after their deadline (the reconciler ends them)',
      async collect() {
        this.reset();
        const counts = await countJobs().catch(() => undefined);
        if (counts) this.set(counts.overdue);
      },
    });
    metrics.gauge({
      name: 'oshift_queue_jobs',
      help: 'Messages in the BullMQ reboot queue, by state',
      labelNames: ['state'],
      async collect() {
        this.reset();
        const counts = await countQueue().catch(warn('redis'));
        if (!counts) return;
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
  }
}
