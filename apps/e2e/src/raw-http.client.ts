import { connect } from 'node:net';

/** One HTTP response as read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What came back for bytes written to a fresh connection. */
export interface RawExchange {
  /** Every final response on the connection, in order (interim 1xx responses are left out). */
  responses: RawResponse[];
  /**
   * How the exchange ended: `closed` by the server (FIN), `reset`, `idle` (a whole answer, then the connection
   * stayed open and quiet: kept alive), or `timeout` (no whole answer in time).
   */
  end: 'closed' | 'reset' | 'idle' | 'timeout';
  /** Bytes left over that are not a whole response (should be none). */
  trailing: Buffer;
  /** Whole-exchange time in milliseconds. */
  elapsedMs: number;
}

/** How long a connection that has delivered a whole answer may stay quiet before it counts as kept alive. */
const IDLE_AFTER_ANSWER_MS = 250;

/**
 * Writes `request` as-is to a new TCP connection, so a test can send what `fetch` refuses to (bad framing, raw
 * CR/LF or non-UTF-8 bytes in headers, conflicting lengths), reads until the server closes the connection,
 * and splits what came back into responses. Send `Connection: close` to have the server close after answering.
 * The connection is not half-closed after writing: Node's server would abort a request whose client did that.
 */
export function sendRaw(
  port: number,
  request: Buffer,
  options: { timeoutMs?: number; head?: boolean } = {},
): Promise<RawExchange> {
  const started = Date.now();
  const head = options.head ?? false;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (end: RawExchange['end']) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      socket.destroy();
      const data = Buffer.concat(chunks);
      let parsed = parseResponses(data, head);
      // A HEAD the parser could not even read is answered like any broken request: with a body.
      if (head && parsed.trailing.length > 0) {
        const withBodies = parseResponses(data, false);
        if (withBodies.trailing.length === 0) parsed = withBodies;
      }
      resolve({ ...parsed, end, elapsedMs: Date.now() - started });
    };
    socket.setTimeout(options.timeoutMs ?? 10000, () => finish('timeout'));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      clearTimeout(idle);
      const parsed = parseResponses(Buffer.concat(chunks), head);
      if (parsed.responses.length > 0 && parsed.trailing.length === 0) {
        idle = setTimeout(() => finish('idle'), IDLE_AFTER_ANSWER_MS);
      }
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    // The server may answer and close before it has read all we sent (413, framing errors): a reset then.
    socket.on('error', () => finish('reset'));
    socket.write(request);
  });
}

/** Splits a byte stream into HTTP/1.x responses (Content-Length, chunked, or no body for HEAD/204/304/1xx). */
export function parseResponses(data: Buffer, head: boolean): { responses: RawResponse[]; trailing: Buffer } {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const headerEnd = rest.indexOf('\r\n\r\n');
    if (headerEnd < 0) break;
    const lines = rest.subarray(0, headerEnd).toString('latin1').split('\r\n');
    const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!statusMatch) break;
    const status = Number(statusMatch[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body: Buffer = rest.subarray(headerEnd + 4);
    let next: Buffer = Buffer.alloc(0);
    if (status < 200 || status === 204 || status === 304 || head) {
      next = body;
      body = Buffer.alloc(0);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const decoded = decodeChunked(body);
      if (!decoded) break;
      body = decoded.body;
      next = decoded.rest;
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (body.length < length) break;
      next = body.subarray(length);
      body = body.subarray(0, length);
    }
    if (status >= 200) responses.push({ status, headers, body });
    rest = next;
  }
  return { responses, trailing: rest };
}

function decodeChunked(data: Buffer): { body: Buffer; rest: Buffer } | null {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return null;
    offset = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = data.indexOf('\r\n', offset);
      if (trailerEnd < 0) return null;
      return { body: Buffer.concat(parts), rest: data.subarray(trailerEnd + 2) };
    }
    if (data.length < offset + size + 2) return null;
    parts.push(data.subarray(offset, offset + size));
    offset += size + 2;
  }
}
