import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { type Counter, MetricsRegistry } from '@oshift/observability';
import { isWebhookDeliveryPayload, WEBHOOK_QUEUE, WebhookDeliverer } from '@oshift/webhooks';

/** What became of a delivery attempt, as `oshift_webhook_deliveries_total` counts it. */
const OUTCOMES = ['delivered', 'retry', 'failed', 'gone'] as const;

/** A delivery attempt that failed and will be tried again after the queue's backoff. */
class DeliveryRetry extends Error {
  override readonly name = 'DeliveryRetry';
}

/** Consumes webhook deliveries: one signed POST per attempt, retried with backoff for up to 24 h. */
@Processor(WEBHOOK_QUEUE, { concurrency: 8 })
export class WebhookProcessor extends WorkerHost {
  private readonly logger = new Logger(WebhookProcessor.name);
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly deliverer: WebhookDeliverer,
    metrics: MetricsRegistry,
  ) {
    super();
    this.outcomes = metrics.counter({
      name: 'oshift_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered (2xx), retry (failed, tried again), failed (given up), gone',
      labelNames: ['outcome'],
    });
    // Every outcome from 0, so that rate() and absent() see the series before the first delivery.
    for (const outcome of OUTCOMES) this.outcomes.inc({ outcome }, 0);
  }

  async process(job: Job): Promise<void> {
    if (!isWebhookDeliveryPayload(job.data)) throw new UnrecoverableError('malformed payload');
    const { deliveryId } = job.data;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const { outcome, attempt } = await this.deliverer.deliver(deliveryId, lastAttempt);
    this.outcomes.inc({ outcome });
    // The receiver's URL may carry its token: logs name the delivery, never the URL.
    const fields = { deliveryId, outcome, status: attempt?.status ?? null, error: attempt?.error ?? null };
    if (outcome === 'retry') {
      this.logger.warn({ msg: 'webhook delivery failed; will retry', attempt: job.attemptsMade + 1, ...fields });
      throw new DeliveryRetry(attempt?.error ?? 'delivery failed');
    }
    if (outcome === 'failed') this.logger.warn({ msg: 'webhook delivery given up', ...fields });
    else if (outcome === 'delivered') this.logger.log({ msg: 'webhook delivered', ...fields });
  }
}
