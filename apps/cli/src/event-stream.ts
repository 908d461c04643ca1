/** One event of a `text/event-stream` body. */
export interface StreamEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * The events of an event stream as the HTML standard parses them: `field: value` lines, blank line ends an
 * event, `data` lines joined by newlines, `:` comments (heartbeats) skipped, default event name `message`.
 * A line ends with `\r\n`, `\n` or `\r`; a `\r` that ends a chunk waits for the next one, so a `\r\n` split
 * across two chunks is one line end, not a line end and a blank line (which would end the event early).
 */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffered = '';
  let current: { event?: string; id?: string; data: string[] } = { data: [] };

  /** Takes one line; answers the event it ends, if it is the blank line after one. */
  const take = (line: string): StreamEvent | undefined => {
    if (line === '') {
      const ended = current.data.length > 0 || current.event;
      const event = ended
        ? { event: current.event ?? 'message', id: current.id, data: current.data.join('\n') }
        : undefined;
      current = { data: [] };
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') current.data.push(value);
    else if (field === 'event') current.event = value;
    else if (field === 'id') current.id = value;
    return undefined;
  };

  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.search(/\r\n|\r|\n/)) >= 0) {
      // A `\r` last in what has come may be the first half of a `\r\n`: wait for the next chunk to know.
      if (end === buffered.length - 1 && buffered.endsWith('\r')) break;
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + (buffered.startsWith('\r\n', end) ? 2 : 1));
      const event = take(line);
      if (event) yield event;
    }
  }
  // The body ended: a `\r` held back was a line end after all.
  if (buffered.endsWith('\r')) {
    const event = take(buffered.slice(0, -1));
    if (event) yield event;
  }
}
