import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One POST a test receiver got: its headers and the exact bytes of its body. */
export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** How long a Standard Webhooks receiver keeps the ids it handled: the library's timestamp tolerance (5 min). */
const SEEN_ID_MS = 5 * 60 * 1000;

/**
 * A customer's webhook endpoint for tests, on loopback: records every request and answers each with the
 * next status of its script (then 200). Given the webhook's secret, it is a receiver as Standard Webhooks
 * recommends: each request verified by the official library (signature and timestamp, `400` when refused),
 * and each `webhook-id` acted on once (a repeat is answered `200` without acting, so a sender's retry of a
 * delivery whose answer was lost ends).
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  /** What the receiver made of each request: `acted on`, `duplicate`, or `refused: <the library's reason>`. */
  readonly outcomes: string[] = [];
  /** How far the receiver's clock is ahead of the real one (a replay sent that much later). */
  clockAheadMs = 0;
  private readonly seen = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    private readonly script: number[],
    private readonly verifier: Webhook | null,
  ) {}

  static async start(script: number[] = [], secret?: string): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, [...script], secret ? new Webhook(secret) : null);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const delivery = { headers: request.headers, body: Buffer.concat(chunks), at: Date.now() };
        receiver.received.push(delivery);
        const [status, text] = receiver.handle(delivery);
        response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/oshift`;
  }

  async waitFor(count: number, timeoutMs = 60000): Promise<ReceivedDelivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`webhook receiver got ${this.received.length} of ${count} deliveries`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.received;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(delivery: ReceivedDelivery): [number, string] {
    if (this.verifier) {
      try {
        this.verify(delivery);
      } catch (error) {
        this.outcomes.push(`refused: ${(error as Error).message}`);
        return [400, 'refused'];
      }
      const id = delivery.headers['webhook-id'] as string;
      const now = Date.now() + this.clockAheadMs;
      for (const [seenId, at] of this.seen) if (now - at > SEEN_ID_MS) this.seen.delete(seenId);
      if (this.seen.has(id)) {
        this.outcomes.push('duplicate');
        return [200, 'already handled'];
      }
      const status = this.script.shift() ?? 200;
      if (status >= 200 && status < 300) this.seen.set(id, now);
      this.outcomes.push(status >= 200 && status < 300 ? 'acted on' : `failed ${status}`);
      return [status, 'ok'];
    }
    return [this.script.shift() ?? 200, 'ok'];
  }

  /** The library's check, on the receiver's clock (it reads `Date.now()`; the check is synchronous). */
  private verify(delivery: ReceivedDelivery): void {
    const realNow = Date.now;
    Date.now = () => realNow() + this.clockAheadMs;
    try {
      this.verifier!.verify(delivery.body, delivery.headers as Record<string, string>);
    } finally {
      Date.now = realNow;
    }
  }
}
