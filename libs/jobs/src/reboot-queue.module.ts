import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule } from '@nestjs/common';
import { queueConnection } from '@oshift/redis';
import { REBOOT_JOB_OPTIONS, REBOOT_QUEUE } from './reboot-queue';

/**
 * BullMQ and the reboot queue for a process that enqueues (`producer`: the gateway) or consumes (`consumer`:
 * the worker) reboot jobs, on the deployment's Redis and key prefix.
 */
export function rebootQueueModules(
  redis: { url: string; prefix: string },
  role: 'producer' | 'consumer',
): DynamicModule[] {
  return [
    BullModule.forRoot({ connection: queueConnection(redis.url, role), prefix: redis.prefix }),
    BullModule.registerQueue({ name: REBOOT_QUEUE, defaultJobOptions: REBOOT_JOB_OPTIONS }),
  ];
}
