import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { REBOOT_QUEUE, type RebootJobPayload } from '@oshift/jobs';

const ENQUEUE_TIMEOUT_MS = 3000;

/** Hands reboot jobs to the workers through the BullMQ queue. */
@Injectable()
export class RebootProducer {
  constructor(@InjectQueue(REBOOT_QUEUE) private readonly queue: Queue<RebootJobPayload>) {}

  /** Enqueues a job under its own id; rejects within a few seconds when Redis does not answer. */
  async enqueue(payload: RebootJobPayload): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('enqueue timeout exceeded')), ENQUEUE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.queue.add('reboot', payload, { jobId: payload.jobId }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
