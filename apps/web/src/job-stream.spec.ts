// The page's modules are plain JavaScript for the browser; Jest runs them as they are (no declarations to import).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { streamEvents } = require('./job-stream.js') as {
  streamEvents: (body: ReadableStream<Uint8Array>) => AsyncGenerator<{ event: string; id: string; data: string }>;
};

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
  for await (const event of streamEvents(stream)) events.push(event);
  return events;
}

describe("the web page's event-stream reader", () => {
  it('takes a \\r\\n split across two chunks as one line end, not as the blank line that ends an event', async () => {
    const events = await all(
      body('event: line\r', '\nid: 1\r', '\ndata: worker-0 REBOOT\r', '\ndata: second\r\n\r', '\n'),
    );
    expect(events).toEqual([{ event: 'line', id: '1', data: 'worker-0 REBOOT\nsecond' }]);
  });

  it('reads LF and lone CR line ends, a last CR included, and skips heartbeats', async () => {
    const events = await all(body(': heartbeat\n\nevent: line\nid: 2\ndata: Done\n\n', 'event: end\rdata: {}\r', '\r'));
    expect(events).toEqual([
      { event: 'line', id: '2', data: 'Done' },
      { event: 'end', id: '', data: '{}' },
    ]);
  });
});
