import { readEvents } from './event-stream';
import { VERSION } from './version';

/** A body that arrives in the given pieces, as a network delivers it. */
function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function all(stream: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const event of readEvents(stream)) events.push(event);
  return events;
}

describe('readEvents', () => {
  it('parses line and end events split anywhere, CRLF or LF, skipping heartbeats', async () => {
    const events = await all(
      body(
        'event: li',
        'ne\r\nid: 1\r\ndata: worker-0 REB',
        'OOT\r\n\r\n: heartbeat\n\n',
        'event: end\ndata: {"state":"done"}\n\n',
      ),
    );
    expect(events).toEqual([
      { event: 'line', id: '1', data: 'worker-0 REBOOT' },
      { event: 'end', id: undefined, data: '{"state":"done"}' },
    ]);
  });

  it('joins data lines, keeps a value without its single leading space, drops an unfinished event', async () => {
    const events = await all(body('data:a\ndata:  b\n\n', 'event: line\ndata: cut off'));
    expect(events).toEqual([{ event: 'message', id: undefined, data: 'a\n b' }]);
  });
});

describe('VERSION', () => {
  it('is the version in the package manifest', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(VERSION).toBe(require('../package.json').version);
  });
});
