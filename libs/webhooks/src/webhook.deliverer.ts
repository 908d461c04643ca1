import { type ClusterSecrets, webhookSecretBinding } from '@oshift/node-registry';
import { DELIVERY_LIFETIME_MS, type JobEndEvent } from './webhook-event';
import type { DeliveryToSend, WebhookDeliveries } from './webhook-deliveries.repository';
import type { DeliveryAttempt, WebhookSender } from './webhook.sender';

/** Where a delivery stands after an attempt: sent, worth another attempt, given up, or nothing to do. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'gone';

/**
 * Sends one `job.end` delivery and keeps its outcome: a 2xx delivers it; anything else is tried again
 * (the queue's backoff) until its 24 h are over or the attempts run out; a refused address fails at once.
 */
export class WebhookDeliverer {
  constructor(
    private readonly deliveries: WebhookDeliveries,
    private readonly secrets: ClusterSecrets,
    private readonly sender: WebhookSender,
    /** Base of the `status_url` in each event: the gateways' PUBLIC_URL. */
    private readonly publicUrl: string,
  ) {}

  async deliver(
    deliveryId: string,
    lastAttempt: boolean,
  ): Promise<{ outcome: DeliveryOutcome; attempt?: DeliveryAttempt }> {
    const delivery = await this.deliveries.find(deliveryId);
    if (!delivery || delivery.state !== 'pending') return { outcome: 'gone' };
    let attempt: DeliveryAttempt;
    try {
      const secret = this.secrets.unseal(delivery.secretRef, webhookSecretBinding(delivery.webhookId));
      attempt = await this.sender.send(delivery.url, secret, this.event(delivery), delivery.id);
    } catch (error) {
      attempt = { ok: false, status: null, error: `signing secret unavailable: ${(error as Error).message}` };
    }
    const expired = Date.now() - delivery.createdAt.getTime() >= DELIVERY_LIFETIME_MS;
    const outcome: DeliveryOutcome = attempt.ok
      ? 'delivered'
      : attempt.refused || lastAttempt || expired
        ? 'failed'
        : 'retry';
    await this.deliveries.recordAttempt(delivery.id, attempt, outcome === 'retry' ? 'pending' : outcome);
    return { outcome, attempt };
  }

  private event({ job }: DeliveryToSend): JobEndEvent {
    return {
      event: 'job.end',
      job_id: job.id,
      cluster: job.clusterId,
      target: job.target,
      type: job.type,
      state: job.state,
      errors: job.errors,
      created_at: job.createdAt,
      ended_at: job.endedAt,
      status_url: `${this.publicUrl}/api/openshift/${encodeURIComponent(job.clusterId)}/job/${job.id}`,
    };
  }
}
