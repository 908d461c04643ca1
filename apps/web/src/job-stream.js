// @ts-check
// A job's lines, each once, then its end: the event stream (resumed with Last-Event-ID), else `?since` polling.

/** A line as the stream gives it (without the time a JSON answer adds). @typedef {Pick<import('./api.js').ApiSchema<'JobLine'>, 'n' | 'text'>} JobLine */
/** @typedef {{ state: 'done' | 'failed', errors: string }} JobEnd */

const RETRY_MS = 1000;
const POLL_MS = 1000;
const wait = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads `text/event-stream` events from a response body. A `\r` that ends a chunk waits for the next one: it may
 * be the first half of a `\r\n`, which taken alone would read as a line end and a blank line, ending the event early.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{ event: string, id: string, data: string }>}
 */
export async function* streamEvents(body) {
  const reader = body
    .pipeThrough(/** @type {TransformStream<Uint8Array, string>} */ (new TextDecoderStream()))
    .getReader();
  let pending = '';
  let held = '';
  for (;;) {
    const { value, done } = await reader.read();
    // At the end a held `\r` is a line end after all.
    const text = held + (done ? '' : value);
    held = !done && text.endsWith('\r') ? '\r' : '';
    pending += (held ? text.slice(0, -1) : text).replace(/\r\n?/g, '\n');
    let blank;
    while ((blank = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, blank);
      pending = pending.slice(blank + 2);
      const event = { event: 'message', id: '', data: /** @type {string[]} */ ([]) };
      for (const line of block.split('\n')) {
        const match = /^([^:]+)(?:: ?(.*))?$/.exec(line);
        if (!match) continue; // a comment: the heartbeat
        if (match[1] === 'data') event.data.push(match[2] ?? '');
        else if (match[1] === 'event' || match[1] === 'id') event[match[1]] = match[2] ?? '';
      }
      if (event.data.length) yield { ...event, data: event.data.join('\n') };
    }
    if (done) return;
  }
}

/**
 * Follows a job until it ends or `signal` aborts.
 * @param {import('./api.js').Api} api
 * @param {string} path the job's URL path
 * @param {{ onLine: (line: JobLine) => void, signal: AbortSignal }} handlers
 * @returns {Promise<JobEnd>}
 */
export async function followJob(api, path, { onLine, signal }) {
  let last = 0;
  const take = (/** @type {JobLine} */ line) => {
    if (line.n <= last) return;
    last = line.n;
    onLine(line);
  };
  for (let failures = 0; failures < 3; failures++) {
    const before = last;
    try {
      /** @type {Record<string, string>} */
      const headers = { accept: 'text/event-stream' };
      if (last) headers['last-event-id'] = String(last);
      const response = await api.fetch(path, { headers, signal });
      if (!response.ok || !response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
        await response.body?.cancel();
        break;
      }
      for await (const event of streamEvents(response.body)) {
        if (event.event === 'line') take({ n: Number(event.id), text: event.data });
        if (event.event === 'end') return JSON.parse(event.data);
      }
    } catch (error) {
      if (signal.aborted) throw error;
    }
    if (last > before) failures = -1;
    await wait(RETRY_MS);
  }
  return pollJob(api, path, take, () => last, signal);
}

/**
 * `?since=<last line>` until the job ends.
 * @param {import('./api.js').Api} api
 * @param {string} path
 * @param {(line: JobLine) => void} take
 * @param {() => number} last
 * @param {AbortSignal} signal
 * @returns {Promise<JobEnd>}
 */
async function pollJob(api, path, take, last, signal) {
  for (;;) {
    /** @type {import('./api.js').ApiSchema<'JobLinesSince'>} */
    const job = await api.call(`${path}?since=${last()}`, { signal });
    job.lines.forEach(take);
    if (job.state === 'done' || job.state === 'failed') return { state: job.state, errors: job.errors };
    await wait(POLL_MS);
  }
}
