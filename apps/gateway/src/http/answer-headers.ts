import type { ServerResponse } from 'node:http';

/** What every answer of the API carries: no content sniffing, and no copy kept by a browser or a proxy. */
export const API_ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/**
 * One year: browsers that reached the service over https once keep to https for that long (the value the
 * HSTS preload list asks for). No `includeSubDomains`: the service does not own the names below its own.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

/** The headers of every answer for a service published at `publicUrl`: HSTS too when that is https. */
export function answerHeadersFor(publicUrl: string): Readonly<Record<string, string>> {
  const https = new URL(publicUrl).protocol === 'https:';
  return https ? { ...API_ANSWER_HEADERS, 'strict-transport-security': STRICT_TRANSPORT_SECURITY } : API_ANSWER_HEADERS;
}

/**
 * Puts `headers` on the answer before anything else writes it. They sit on the Node response itself, so they
 * reach every answer: Fastify's (which may override one, as the page's assets do with their own caching), and
 * those written straight to the socket (the event stream).
 */
export function applyAnswerHeaders(response: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!response.headersSent) response.setHeader(name, value);
  }
}
