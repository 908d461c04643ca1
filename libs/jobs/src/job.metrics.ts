import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
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

/** Queues besides the reboot queue whose depth and age a process exports (the worker's webhook queue). */
export const MONITORED_QUEUES = Symbol('MONITORED_QUEUES');

/** How one queue looks at a scrape: its counts by state, and how long its oldest waiting message has waited. */
async function queueLook(queue: Queue): Promise<{ counts: Record<string, number>; oldestWaitingSeconds: number }> {
  const [counts, [oldest]] = await Promise.all([
    queue.getJobCounts(...QUEUE_STATES),
    queue.getJobs(['waiting'], 0, 0, true),
  ]);
  if (!oldest) return { counts, oldestWaitingSeconds: 0 };
  // A message waits from when it was due: its creation, or the end of the delay it was given.
  const dueAt = oldest.timestamp + (oldest.delay ?? 0);
  return { counts, oldestWaitingSeconds: Math.max(0, (Date.now() - dueAt) / 1000) };
}

/**
 * Job gauges of a process that touches the reboot queue, computed when `/metrics` is scraped:
 * `oshift_jobs{state}` (jobs in Postgres by state, the source of truth), `oshift_jobs_past_deadline` (jobs
 * still queued or running after their deadline: the reconciler ends those, so a lasting count means nothing
 * does), `oshift_queue_jobs{queue,state}` (BullMQ's counts) and `oshift_queue_oldest_waiting_seconds{queue}`
 * (how long the oldest waiting message has waited for a worker), for the reboot queue and the
 * {@link MONITORED_QUEUES} the process provides. A source that does not answer leaves its gauge empty rather
 * than stale.
 */
@Injectable()
export class JobMetrics {
  private readonly logger = new Logger(JobMetrics.name);

  constructor(
    metrics: MetricsRegistry,
    @InjectDataSource() dataSource: DataSource,
    @InjectQueue(REBOOT_QUEUE) queue: Queue,
    @Optional() @Inject(MONITORED_QUEUES) others: Queue[] | null,
  ) {
    const queues = [queue, ...(others ?? [])];
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
    const lookAtQueues = cachedRead(
      () =>
        withinTimeout(
          Promise.all(queues.map(async (each) => ({ queue: each.name, ...(await queueLook(each)) }))),
          SOURCE_TIMEOUT_MS,
        ),
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
      help: 'Messages in a BullMQ queue (reboot, webhook), by state',
      labelNames: ['queue', 'state'],
      async collect() {
        this.reset();
        const looks = await lookAtQueues().catch(warn('redis'));
        for (const look of looks ?? []) {
          for (const state of QUEUE_STATES) this.set({ queue: look.queue, state }, look.counts[state] ?? 0);
        }
      },
    });
    metrics.gauge({
      name: 'oshift_queue_oldest_waiting_seconds',
      help: 'How long the oldest message waiting in a BullMQ queue has waited for a worker (0: none waits)',
      labelNames: ['queue'],
      async collect() {
        this.reset();
        const looks = await lookAtQueues().catch(() => undefined);
        for (const look of looks ?? []) this.set({ queue: look.queue }, look.oldestWaitingSeconds);
      },
    });
  }
}
