import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { enqueueReboot, REBOOT_QUEUE, type RebootJobPayload } from '@oshift/jobs';
import { withinTimeout } from '@oshift/observability';

const ENQUEUE_TIMEOUT_MS = 3000;

/** Hands reboot jobs to the workers through the BullMQ queue. */
@Injectable()
export class RebootProducer {
  constructor(@InjectQueue(REBOOT_QUEUE) private readonly queue: Queue<RebootJobPayload>) {}

  /**
   * Enqueues a job under its own id, delayed until `notBefore` when given; rejects within a few seconds when
   * Redis does not answer.
   */
  enqueue(payload: RebootJobPayload, deadlineAt: Date, notBefore?: Date | null): Promise<void> {
    return withinTimeout(
      enqueueReboot(this.queue, payload, deadlineAt, notBefore),
      ENQUEUE_TIMEOUT_MS,
      () => new Error('enqueue timeout exceeded'),
    );
  }
}
