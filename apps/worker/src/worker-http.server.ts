import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { REBOOT_QUEUE } from '@oshift/jobs';
import { exportDependencyGauge, MetricsRegistry, ProbeServer } from '@oshift/observability';
import { queryRows } from '@oshift/persistence';
import { RebootProcessor } from './reboot.processor';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/**
 * The worker's only HTTP server: `/healthz`, `/readyz` and `/metrics`, on WORKER_HTTP_HOST:WORKER_HTTP_PORT.
 * Readiness is local to the pod: the BullMQ worker runs and is not closing (SIGTERM closes it). Postgres,
 * Redis and the worker's own Redis connection are reported in `/readyz`'s `checks`, not made conditions: a
 * Redis blip does not take every worker out at once (`oshift_dependency_up` and its alert show it). Started before the
 * worker reports it is consuming; a port already taken stops the start.
 */
@Injectable()
export class WorkerHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: ProbeServer;

  constructor(
    metrics: MetricsRegistry,
    @InjectDataSource() dataSource: DataSource,
    @InjectQueue(REBOOT_QUEUE) queue: Queue,
    processor: RebootProcessor,
    @Inject(WORKER_CONFIG) config: WorkerConfig,
  ) {
    const dependencies = {
      postgres: () => queryRows(dataSource, 'SELECT 1'),
      redis: () => queue.getJobCounts('waiting'),
    };
    exportDependencyGauge(metrics, dependencies);
    this.server = new ProbeServer({
      host: config.http.host,
      port: config.http.port,
      metrics,
      metricsToken: config.http.metricsToken,
      readiness: {
        ready: () => running(processor.worker),
        checks: { ...dependencies, worker: () => connected(processor.worker) },
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.server.listen();
  }

  /** `http://host:port` of the server (the chosen port when WORKER_HTTP_PORT is 0). */
  get url(): string {
    return this.server.url;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}

/** The BullMQ worker is running and not closing (else why not). */
function running(worker: Worker): true | string {
  if (worker.closing) return 'shutting down';
  return worker.isRunning() ? true : 'the queue worker is not running';
}

/** The BullMQ worker's Redis connection is ready. */
async function connected(worker: Worker): Promise<void> {
  const client = await worker.getBackend().client;
  if (client.status !== 'ready') throw new Error(`the queue worker's Redis connection is ${client.status}`);
}
