import { randomUUID } from 'node:crypto';

/** What a client may send as `X-Request-ID` to find its request again: short, no spaces, no control bytes. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The id of a request: always the server's own, so that no caller can make its records (logs, audit trail,
 * the job in the worker) collide with another's. Fastify `genReqId`.
 */
export function newRequestId(): string {
  return randomUUID();
}

/** The `X-Request-ID` the client sent, when it is a valid one; kept beside the server's id, never instead. */
export function clientRequestIdOf(request: {
  headers?: Record<string, string | string[] | undefined>;
}): string | undefined {
  const given = request.headers?.['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : undefined;
}
