import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { REBOOT_QUEUE } from '@oshift/jobs';
import { Public } from '../auth/requires.decorator';
import { withinTimeout } from '@oshift/observability';
import { queryRows } from '@oshift/persistence';
import { NotReadyError } from '../http/request.errors';

const CHECK_TIMEOUT_MS = 2000;

/** Liveness and readiness for load balancers and orchestrators (not part of the customers' API description). */
@Controller()
@Public()
@ApiExcludeController()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(REBOOT_QUEUE) private readonly queue: Queue,
  ) {}

  /** The process is alive. */
  @Get('healthz')
  @HttpCode(200)
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Postgres and Redis answer: the gateway can serve every call. */
  @Get('readyz')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'up'> }> {
    const [postgres, redis] = await Promise.allSettled([
      withinTimeout(queryRows(this.dataSource, 'SELECT 1'), CHECK_TIMEOUT_MS),
      withinTimeout(this.queue.getJobCounts('waiting'), CHECK_TIMEOUT_MS),
    ]);
    const checks: Record<string, 'up' | 'down'> = {
      postgres: postgres.status === 'fulfilled' ? 'up' : 'down',
      redis: redis.status === 'fulfilled' ? 'up' : 'down',
    };
    if (Object.values(checks).includes('down')) throw new NotReadyError(checks);
    return { status: 'ok', checks: checks as Record<string, 'up'> };
  }
}
