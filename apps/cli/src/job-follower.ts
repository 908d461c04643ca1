import { type ApiClient, pause } from './api.client';
import type { ApiSchema } from './api-schemas';
import { readEvents } from './event-stream';
import { CliError, EXIT } from './exit-codes';

/** The states a job ends in. */
export type JobEndState = Extract<ApiSchema<'Job'>['state'], 'done' | 'failed'>;
export type JobEvent = { kind: 'line'; n: number; text: string } | { kind: 'end'; state: JobEndState; errors: string };

/** Stream connections that may fail in a row (without a new line between them) before falling back to polling. */
const STREAM_ATTEMPTS = 3;
const RECONNECT_DELAY_MS = 500;

/**
 * The lines of a job, each once and in order, then its end: from the job's event stream (resumed with
 * `Last-Event-ID` after a dropped connection), falling back to polling `?since=<last line>` when the stream
 * keeps failing or the API does not offer one.
 */
export class JobFollower {
  private last = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly path: string,
    private readonly options: { signal?: AbortSignal; pollIntervalMs?: number } = {},
  ) {}

  async *events(): AsyncGenerator<JobEvent> {
    const { signal } = this.options;
    for (let failures = 0; failures < STREAM_ATTEMPTS; failures++) {
      const before = this.last;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (this.last > 0) headers['last-event-id'] = String(this.last);
        const response = await this.api.open(this.path, { headers, signal });
        if (!response.body || !/^text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
          await response.body?.cancel();
          break; // no stream on this API: poll
        }
        for await (const event of readEvents(response.body)) {
          if (event.event === 'line' && Number(event.id) > this.last) {
            this.last = Number(event.id);
            yield { kind: 'line', n: this.last, text: event.data };
          } else if (event.event === 'end') {
            const end = JSON.parse(event.data) as { state: JobEndState; errors?: string };
            yield { kind: 'end', state: end.state, errors: end.errors ?? '' };
            return;
          }
        }
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof CliError && error.exitCode === EXIT.refused) throw error;
      }
      if (this.last > before) failures = -1; // it moved on: a drop, not a broken stream
      await pause(RECONNECT_DELAY_MS, signal);
    }
    yield* this.poll();
  }

  private async *poll(): AsyncGenerator<JobEvent> {
    const { signal, pollIntervalMs = 1000 } = this.options;
    for (;;) {
      const answer = await this.api.get(this.path, { query: { since: this.last }, signal });
      const body = JSON.parse(answer.text) as ApiSchema<'JobLinesSince'>;
      for (const line of body.lines) {
        if (line.n <= this.last) continue;
        this.last = line.n;
        yield { kind: 'line', n: line.n, text: line.text };
      }
      if (body.state === 'done' || body.state === 'failed') {
        yield { kind: 'end', state: body.state, errors: body.errors };
        return;
      }
      await pause(pollIntervalMs, signal);
    }
  }
}
