import { createHmac, randomUUID } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { standardWebhookSignature } from './webhook-secret';
import { checkAddress, checkWebhookUrl, type WebhookUrlPolicy, WebhookUrlRefusedError } from './webhook-url.policy';

/** How long a receiver has to answer a delivery, connection included. */
export const WEBHOOK_TIMEOUT_MS = 5000;

/** The signature header's value: `sha256=<hex HMAC-SHA256 of the exact body bytes under the secret>`. */
export function webhookSignature(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What one delivery attempt got: the receiver's status, or why there was none. */
export interface DeliveryAttempt {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** The URL or the address it resolved to is not allowed: trying again will not help. */
  refused?: boolean;
}

/**
 * POSTs one signed event to a webhook: JSON, signed twice: the Standard Webhooks headers (`webhook-id`, the
 * delivery id, the same on every retry; `webhook-timestamp`, this attempt's time in Unix seconds;
 * `webhook-signature`, over both and the body, so a receiver can refuse old and repeated deliveries) and
 * `X-Oshift-Delivery` with `X-Oshift-Signature` (over the body alone, as before). A 5 s limit, no
 * redirect followed (a 3xx is a failed attempt), and only to addresses the policy allows, checked after name
 * resolution and pinned for the connection (a name cannot resolve to one address for the check and another
 * for the request).
 */
export class WebhookSender {
  constructor(
    private readonly policy: WebhookUrlPolicy,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
    /** Name resolution (the system's; tests give their own). */
    private readonly resolve: typeof dnsLookup = dnsLookup,
  ) {}

  async send(
    target: string,
    secret: string,
    event: object,
    deliveryId: string = randomUUID(),
  ): Promise<DeliveryAttempt> {
    let url: URL;
    try {
      url = checkWebhookUrl(target, this.policy);
    } catch (error) {
      return { ok: false, status: null, error: (error as Error).message, refused: true };
    }
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'oshift-webhooks/1',
      'x-oshift-event': (event as { event?: string }).event ?? 'event',
      'x-oshift-delivery': deliveryId,
      'x-oshift-signature': webhookSignature(body, secret),
      'webhook-id': deliveryId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': standardWebhookSignature(secret, deliveryId, timestamp, body),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const done = (attempt: DeliveryAttempt) => {
        clearTimeout(timer);
        resolve(attempt);
      };
      const outgoing = send(
        url,
        { method: 'POST', headers, lookup: this.checkedLookup(), agent: false },
        (response) => {
          const status = response.statusCode ?? 0;
          response.resume();
          response.once('end', () =>
            done({
              ok: status >= 200 && status < 300,
              status,
              error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
            }),
          );
          response.once('error', (error) => done({ ok: false, status, error: error.message }));
        },
      );
      const timer = setTimeout(() => {
        outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      outgoing.once('error', (error) =>
        done({ ok: false, status: null, error: error.message, refused: error instanceof WebhookUrlRefusedError }),
      );
      outgoing.end(body);
    });
  }

  /** Resolves as Node would, then refuses any address the policy forbids. */
  private checkedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 0);
        const list = addresses as unknown as { address: string; family: number }[];
        try {
          for (const entry of list) checkAddress(entry.address, this.policy);
        } catch (refused) {
          return callback(refused as NodeJS.ErrnoException, '', 0);
        }
        const first = list[0];
        if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
        if ((options as { all?: boolean }).all)
          return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
        callback(null, first.address, first.family);
      });
    };
  }
}
