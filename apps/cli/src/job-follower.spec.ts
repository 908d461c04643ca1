import type { ApiClient } from './api.client';
import { CliError, EXIT } from './exit-codes';
import { JobFollower, type JobEvent } from './job-follower';

/** An event-stream response carrying `text`. */
const stream = (text: string) => new Response(text, { headers: { 'content-type': 'text/event-stream' } });

async function follow(api: Partial<ApiClient>): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  const follower = new JobFollower(api as ApiClient, '/job/x', { pollIntervalMs: 1 });
  for await (const event of follower.events()) events.push(event);
  return events;
}

describe('JobFollower', () => {
  it('resumes a dropped stream after the last line it saw', async () => {
    const asked: (string | undefined)[] = [];
    const answers = [
      stream('event: line\nid: 1\ndata: a\n\nevent: line\nid: 2\ndata: b\n\n'),
      stream(
        'event: line\nid: 2\ndata: b\n\nevent: line\nid: 3\ndata: Done\n\nevent: end\ndata: {"state":"done","errors":""}\n\n',
      ),
    ];
    const events = await follow({
      open: async (_path, options) => {
        asked.push(options?.headers?.['last-event-id']);
        return answers.shift()!;
      },
    });
    expect(asked).toEqual([undefined, '2']);
    expect(events).toEqual([
      { kind: 'line', n: 1, text: 'a' },
      { kind: 'line', n: 2, text: 'b' },
      { kind: 'line', n: 3, text: 'Done' },
      { kind: 'end', state: 'done', errors: '' },
    ]);
  });

  it('falls back to ?since polling when the stream fails three times in a row', async () => {
    let opened = 0;
    const since: unknown[] = [];
    const pages = [
      { state: 'running', errors: '', lines: [{ n: 1, text: 'a' }], next: 1 },
      { state: 'failed', errors: 'Nova said ERROR', lines: [{ n: 2, text: 'Fail' }], next: 2 },
    ];
    const events = await follow({
      open: async () => {
        opened++;
        throw new CliError('Service Unavailable (HTTP 503)', EXIT.unavailable);
      },
      get: async (_path, options) => {
        since.push(options?.query?.since);
        return { status: 200, headers: new Headers(), text: JSON.stringify(pages.shift()) };
      },
    });
    expect(opened).toBe(3);
    expect(since).toEqual([0, 1]);
    expect(events).toEqual([
      { kind: 'line', n: 1, text: 'a' },
      { kind: 'line', n: 2, text: 'Fail' },
      { kind: 'end', state: 'failed', errors: 'Nova said ERROR' },
    ]);
  });

  it('stops at a refusal instead of retrying it', async () => {
    const refusal = new CliError('Job Not found', EXIT.refused);
    await expect(follow({ open: async () => Promise.reject(refusal) })).rejects.toBe(refusal);
  });
});
