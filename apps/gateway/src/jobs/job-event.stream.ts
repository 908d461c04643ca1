import type { ServerResponse } from 'node:http';
import type { JobLine } from '@oshift/jobs';

/**
 * One follower's `text/event-stream` (the job URL with `Accept: text/event-stream`): each output line as
 * `event: line` with `id: <n>`, comment heartbeats, and a last `event: end` before the stream closes.
 */
export class JobEventStream {
  private closed = false;

  constructor(private readonly response: ServerResponse) {}

  /** Sends the headers; the stream stays open until {@link end} or the client leaves. */
  open(requestId: string): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      'x-request-id': requestId,
      connection: 'keep-alive',
    });
    this.response.flushHeaders();
  }

  line(line: JobLine): void {
    this.write(`event: line\nid: ${line.n}\n${data(line.text)}\n`);
  }

  heartbeat(): void {
    this.write(': heartbeat\n\n');
  }

  /** The job's end: `event: end` with its state and errors, then the stream closes. */
  end(state: 'done' | 'failed', errors: string): void {
    this.write(`event: end\n${data(JSON.stringify({ state, errors }))}\n`);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.end();
  }

  get isClosed(): boolean {
    return this.closed || this.response.destroyed;
  }

  private write(chunk: string): void {
    if (!this.isClosed) this.response.write(chunk);
  }
}

/** `data:` fields of a text: one per line of it, as the event-stream format joins them back with newlines. */
function data(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((part) => `data: ${part}\n`)
    .join('');
}
