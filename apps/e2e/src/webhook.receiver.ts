import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST a test receiver got: its headers and the exact bytes of its body. */
export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/**
 * A customer's webhook endpoint for tests, on loopback: records every request and answers each with the
 * next status of its script (then 200).
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];

  private constructor(
    private readonly server: Server,
    private readonly script: number[],
  ) {}

  static async start(script: number[] = []): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, [...script]);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.received.push({ headers: request.headers, body: Buffer.concat(chunks), at: Date.now() });
        response.writeHead(receiver.script.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok');
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
}
