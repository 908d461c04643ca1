import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpCode, type OnModuleDestroy } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { REBOOT_QUEUE } from '@oshift/jobs';
import { Public } from '../auth/requires.decorator';
import { checkDependencies, type DependencyCheck, exportDependencyGauge, MetricsRegistry } from '@oshift/observability';
import { queryRows } from '@oshift/persistence';
import { NotReadyError } from '../http/request.errors';

const CHECK_TIMEOUT_MS = 2000;

/** Liveness and readiness for load balancers and orchestrators (not part of the customers' API description). */
@Controller()
@Public()
@ApiExcludeController()
export class HealthController implements OnModuleDestroy {
  private shuttingDown = false;
  private readonly dependencies: Record<string, DependencyCheck>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @InjectQueue(REBOOT_QUEUE) queue: Queue,
    metrics: MetricsRegistry,
  ) {
    this.dependencies = {
      postgres: () => queryRows(dataSource, 'SELECT 1'),
      redis: () => queue.getJobCounts('waiting'),
    };
    exportDependencyGauge(metrics, this.dependencies, CHECK_TIMEOUT_MS);
  }

  /** The process is alive. */
  @Get('healthz')
  @HttpCode(200)
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The first step of a shutdown (SIGTERM): from now on /readyz answers 503 while in-flight requests finish. */
  onModuleDestroy(): void {
    this.shuttingDown = true;
  }

  /**
   * Readiness is local to the pod: the gateway is up, listening and not shutting down. Postgres and Redis are
   * reported in `checks` but do not make it fail: during their blip every gateway stays in the Service and
   * answers the calls that need them with its own JSON 503 and Retry-After (not the router's HTML 503).
   */
  @Get('readyz')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'up' | 'down'> }> {
    const checks = await checkDependencies(this.dependencies, CHECK_TIMEOUT_MS);
    if (this.shuttingDown) throw new NotReadyError(checks, 'shutting down');
    return { status: 'ok', checks };
  }
}
