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

  it('takes a \\r\\n split across two chunks as one line end, not as the blank line that ends an event', async () => {
    const events = await all(
      body('event: line\r', '\nid: 1\r', '\ndata: worker-0 REBOOT\r', '\ndata: second\r\n\r', '\n'),
    );
    expect(events).toEqual([{ event: 'line', id: '1', data: 'worker-0 REBOOT\nsecond' }]);
  });

  it('takes a lone \\r as a line end, even the last one of the body', async () => {
    const events = await all(body('data: a\r', 'data: b\r\r', 'event: end\rdata: {}\r', '\r'));
    expect(events).toEqual([
      { event: 'message', id: undefined, data: 'a\nb' },
      { event: 'end', id: undefined, data: '{}' },
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
