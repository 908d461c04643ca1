import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';

/** One server-sent event as a client reads it. */
export interface StreamEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * A minimal `text/event-stream` client for tests and the benchmark: it parses events and comments as they arrive, keeps them
 * all, and lets a test wait for one, close the connection mid-stream, or wait for the server to end it.
 */
export class EventStreamClient {
  readonly events: StreamEvent[] = [];
  readonly comments: string[] = [];
  /** Called with each event as it is parsed (the benchmark times deliveries with it). */
  onEvent?: (event: StreamEvent) => void;
  private buffer = '';
  private waiters: (() => void)[] = [];
  /** Resolves when the server ends the stream (or the connection drops). */
  readonly ended: Promise<void>;

  private constructor(
    private readonly outgoing: ClientRequest,
    readonly response: IncomingMessage,
    readonly body: Promise<string>,
  ) {
    this.ended = new Promise((resolve) => {
      response.on('data', (chunk: Buffer) => this.feed(chunk.toString('utf8')));
      response.once('close', () => {
        resolve();
        this.notify();
      });
    });
  }

  /** Opens the stream; resolves with the client once the answer's headers are in. */
  static open(url: string, headers: Record<string, string>): Promise<EventStreamClient> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false });
      outgoing.once('response', (response) => {
        const isStream = /^text\/event-stream/.test(response.headers['content-type'] ?? '');
        let text = '';
        const body = isStream
          ? Promise.resolve('')
          : new Promise<string>((done) => {
              response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
              response.once('end', () => done(text));
            });
        resolve(new EventStreamClient(outgoing, response, body));
      });
      outgoing.once('error', reject);
      outgoing.end();
    });
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  /** The `line` events' `id` and `data`. */
  get lines(): { id: number; text: string }[] {
    return this.events.filter((e) => e.event === 'line').map((e) => ({ id: Number(e.id), text: e.data }));
  }

  /** Waits until `until` holds for what arrived, or fails after `timeoutMs`. */
  async waitFor(until: (client: EventStreamClient) => boolean, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!until(this)) {
      if (Date.now() > deadline) throw new Error(`event stream: condition not met; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The client leaves: the connection is cut. */
  close(): void {
    this.outgoing.destroy();
  }

  private feed(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: StreamEvent = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0 || event.event !== 'message') {
        const parsed = { ...event, data: data.join('\n') };
        this.events.push(parsed);
        this.onEvent?.(parsed);
      }
    }
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
