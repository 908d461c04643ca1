/** The body of a `job.end` delivery: what ended, how, and where to read it. Never a secret. */
export interface JobEndEvent {
  event: 'job.end';
  job_id: string;
  cluster: string;
  target: string;
  type: 'SOFT' | 'HARD';
  state: 'done' | 'failed';
  errors: string;
  created_at: string;
  ended_at: string | null;
  status_url: string;
}

/** The body `webhook test` sends. */
export interface WebhookTestEvent {
  event: 'webhook.test';
  webhook_id: string;
  cluster: string;
  sent_at: string;
}

/** The queue of webhook deliveries (separate from reboots: a slow receiver never holds a reboot back). */
export const WEBHOOK_QUEUE = 'webhook';

export interface WebhookDeliveryPayload {
  deliveryId: string;
}

/** How long a delivery is retried before it is given up. */
export const DELIVERY_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Retries with exponential backoff from 5 s (5, 10, 20 s … about 23 h after the first attempt): the 16th
 * attempt falls past the 24 h lifetime, when the delivery is given up.
 */
export const WEBHOOK_JOB_OPTIONS = {
  attempts: 16,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

/** Checks a queue message before a worker acts on it. */
export function isWebhookDeliveryPayload(value: unknown): value is WebhookDeliveryPayload {
  const id = (value as { deliveryId?: unknown } | null)?.deliveryId;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id);
}
