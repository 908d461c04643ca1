import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { API_ANSWER_HEADERS } from './answer-headers';

/**
 * Answers for requests that never reach Nest (so never reach `JsonExceptionFilter`): broken HTTP framing,
 * undecodable URLs, over-long path parameters, a missing `Host`, an `Expect` we cannot meet. Node and Fastify
 * answer these by default with an empty body, or with JSON that echoes the URL back; these keep the service's
 * one error shape, `{"error": "<reason>"}`, and never reflect the request.
 */

/** The error body for `status`: its standard reason phrase. */
export function protocolErrorBody(status: number): string {
  return JSON.stringify({ error: STATUS_CODES[status] ?? 'Bad Request' });
}

/** The headers of a protocol error's answer: JSON, and what every answer of the API carries. */
const PROTOCOL_ERROR_HEADERS = { 'content-type': 'application/json; charset=utf-8', ...API_ANSWER_HEADERS };
const RAW_PROTOCOL_ERROR_HEADERS = Object.entries(PROTOCOL_ERROR_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** How long a connection whose request could not be parsed may take to read our answer before it is cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * Fastify `clientErrorHandler`: Node's parser rejected the bytes (bad request line, CRLF or NUL in a header,
 * conflicting lengths, headers too large, request timeout). Answers once, then closes the connection: nothing
 * after a framing error can be trusted to be a request.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return;
  // As Node does: an answer already on its way (pipelining) must not be corrupted; just close.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = protocolErrorBody(status);
  // end() rather than destroy(): a reset could discard the answer before the client reads it.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${RAW_PROTOCOL_ERROR_HEADERS}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

/** Fastify `frameworkErrors`: the router refused the URL (bad percent-encoding 400, parameter too long 414). */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.code(status).headers(PROTOCOL_ERROR_HEADERS).send(protocolErrorBody(status));
}

/**
 * `onRequest` hook: an HTTP/1.1 request without `Host` is a 400 (RFC 9112 §3.2). Node would answer it itself
 * with an empty body, so the server lets it through (`requireHostHeader: false`) and it is refused here.
 * A callback hook, as every hook of the gateway: an `async` one costs each request a promise and a turn.
 */
export function rejectMissingHost(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const raw = request.raw;
  if (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1 && request.headers.host === undefined) {
    // Answered here: the request goes no further (`done` is not called).
    void reply.code(400).headers(PROTOCOL_ERROR_HEADERS).send(protocolErrorBody(400));
    return;
  }
  done();
}

/** Node `checkExpectation` listener: an `Expect` other than `100-continue` is a 417, in JSON. */
export function answerUnmetExpectation(_request: IncomingMessage, response: ServerResponse): void {
  const body = protocolErrorBody(417);
  response.writeHead(417, {
    ...PROTOCOL_ERROR_HEADERS,
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}
