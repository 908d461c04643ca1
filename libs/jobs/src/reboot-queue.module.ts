import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule } from '@nestjs/common';
import type { Telemetry } from 'bullmq';
import type { RedisConnections } from '@oshift/redis';
import { REBOOT_JOB_OPTIONS, REBOOT_QUEUE } from './reboot-queue';

/**
 * BullMQ and the reboot queue for a process that enqueues (`producer`: the gateway) or consumes (`consumer`:
 * the worker) reboot jobs, on the process's Redis (its `RedisConnections`) and the deployment's key prefix.
 * `telemetry` (BullMQ's OpenTelemetry option, when tracing is on) applies to every queue and worker of the process.
 */
export function rebootQueueModules(
  redis: RedisConnections,
  prefix: string,
  role: 'producer' | 'consumer',
  telemetry?: Telemetry,
): DynamicModule[] {
  return [
    BullModule.forRoot({ connection: redis.queue(role), prefix, ...(telemetry ? { telemetry } : {}) }),
    BullModule.registerQueue({ name: REBOOT_QUEUE, defaultJobOptions: REBOOT_JOB_OPTIONS }),
  ];
}
