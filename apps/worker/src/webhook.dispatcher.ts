import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { WEBHOOK_QUEUE, WebhookDeliveries, type WebhookDeliveryPayload } from '@oshift/webhooks';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/**
 * Hands webhook deliveries to their queue. A job's end creates its deliveries in Postgres in the same
 * transaction (a trigger); the worker that ended it enqueues them at once, and every worker sweeps, each
 * reconcile interval, pending deliveries the queue may have lost (a delivery id is in the queue once).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deliveries: WebhookDeliveries,
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookDeliveryPayload>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.sweep().catch((error) => this.logger.warn({ msg: 'webhook sweep failed', error: String(error) })),
      this.config.worker.reconcileIntervalMs,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Enqueues the deliveries of a job that just ended. Best effort: the sweep catches what this misses. */
  async jobEnded(jobId: string): Promise<void> {
    try {
      for (const deliveryId of await this.deliveries.pendingOfJob(jobId)) await this.enqueue(deliveryId);
    } catch (error) {
      this.logger.warn({ msg: 'webhook deliveries not enqueued; the sweep will', jobId, error: String(error) });
    }
  }

  /** Re-enqueues pending deliveries that are in no queue; returns how many. */
  async sweep(): Promise<number> {
    let count = 0;
    for (const deliveryId of await this.deliveries.pendingOlderThan(this.config.worker.reconcileIntervalMs)) {
      const queued = await this.queue.getJob(deliveryId);
      if (queued) continue;
      await this.enqueue(deliveryId);
      count += 1;
    }
    if (count > 0) this.logger.warn({ msg: 'webhook deliveries handed back to the queue', count });
    return count;
  }

  private async enqueue(deliveryId: string): Promise<void> {
    await this.queue.add('deliver', { deliveryId }, { jobId: deliveryId });
  }
}
