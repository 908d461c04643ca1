import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** Methods that change state: a browser sends them cross-site without a preflight as a plain form. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** `Sec-Fetch-Site` of a request the page (or the address bar) made itself. */
const OWN_SITE = new Set(['same-origin', 'none']);

export const CROSS_SITE_REFUSED = 'Cross-site request refused';
const BODY = JSON.stringify({ error: CROSS_SITE_REFUSED });

/**
 * Why a request is cross-site, or undefined when it is not: a browser says where a request comes from in
 * `Sec-Fetch-Site` (anything but the page itself or the address bar is refused, an unknown value too) and
 * in `Origin` (anything but the service's own origin is refused, `null` too). Clients that are no browser
 * (curl, oshift, scripts) send neither and are never refused.
 */
export function crossSiteReason(
  headers: Record<string, string | string[] | undefined>,
  publicOrigin: string,
): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && !(typeof site === 'string' && OWN_SITE.has(site))) return 'sec-fetch-site';
  const origin = headers.origin;
  if (origin !== undefined && origin !== publicOrigin) return 'origin';
  return undefined;
}

/**
 * `onRequest` hook: a state-changing request another site's page made is a 403 before anything else runs
 * (authentication included), so the credentials a browser keeps for this origin cannot be used by others.
 * `publicUrl` is PUBLIC_URL, the address browsers use.
 */
export function refuseCrossSite(publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!STATE_CHANGING.has(request.method) || crossSiteReason(request.headers, publicOrigin) === undefined) {
      done();
      return;
    }
    // Answered here: the request goes no further (`done` is not called).
    void reply.code(403).header('content-type', 'application/json; charset=utf-8').send(BODY);
  };
}
