import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Nova's version documents (`GET /compute/`, `GET /compute/v2.1/`) and microversion negotiation
 * (nova/api/openstack/wsgi.py `set_api_version_request`, microversion_parse): the version asked by
 * `OpenStack-API-Version: compute X.Y` (else the legacy `X-OpenStack-Nova-API-Version`), `latest` for the newest,
 * 2.1 when none; 400 for a malformed one, 406 outside [2.1, 2.MAX]. Every versioned answer names the version used.
 */

/** The newest microversion the simulator serves (the response shapes it implements go up to it). */
export const MAX_MICROVERSION = 100;
const MIN = '2.1';
const MAX = `2.${MAX_MICROVERSION}`;

const negotiated = new WeakMap<FastifyRequest, number>();

/** The minor microversion negotiated for a request under `/compute/v2.1` (2.1 → 1). */
export function microversion(request: FastifyRequest): number {
  return negotiated.get(request) ?? 1;
}

/** True when the request's microversion is at least 2.`minor`. */
export function atLeast(request: FastifyRequest, minor: number): boolean {
  return microversion(request) >= minor;
}

type Fault = (reply: FastifyReply, status: number, name: string, message: string) => FastifyReply;

/** Registers the version documents and the negotiation hook (before any other compute hook answers). */
export function registerNovaVersions(
  app: FastifyInstance,
  urls: (request: FastifyRequest) => { bookmark: string },
  fault: Fault,
): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/compute/v2.1')) return;
    const asked = requestedVersion(request);
    let minor = 1;
    if (asked === 'latest') minor = MAX_MICROVERSION;
    else if (asked !== undefined) {
      // nova/api/openstack/api_version_request.py: ^([1-9]\d*)\.([1-9]\d*|0)$
      const match = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(asked);
      if (!match) {
        return fault(
          reply,
          400,
          'badRequest',
          `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`,
        );
      }
      minor = match[1] === '2' ? Number(match[2]) : -1;
      if (minor < 1 || minor > MAX_MICROVERSION) {
        return fault(
          reply,
          406,
          'computeFault',
          `Version ${asked} is not supported by the API. Minimum is ${MIN} and maximum is ${MAX}.`,
        );
      }
    }
    negotiated.set(request, minor);
    reply.header('openstack-api-version', `compute 2.${minor}`);
    reply.header('x-openstack-nova-api-version', `2.${minor}`);
    reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  });

  const versions = (request: FastifyRequest) => {
    const root = urls(request).bookmark;
    return [
      version('v2.0', 'SUPPORTED', '', '', '2011-01-21T11:33:21Z', `${root}/v2/`),
      version('v2.1', 'CURRENT', MAX, MIN, '2013-07-23T11:33:21Z', `${root}/v2.1/`),
    ];
  };
  for (const path of ['/compute', '/compute/']) {
    app.get(path, async (request, reply) => reply.send({ versions: versions(request) }));
  }
  for (const path of ['/compute/v2.1', '/compute/v2.1/']) {
    app.get(path, async (request, reply) => {
      const v21 = versions(request)[1];
      return reply.send({
        version: {
          ...v21,
          links: [...v21.links, { href: 'http://docs.openstack.org/', rel: 'describedby', type: 'text/html' }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        },
      });
    });
  }
}

function version(id: string, status: string, max: string, min: string, updated: string, href: string) {
  return { id, links: [{ href, rel: 'self' }], status, version: max, min_version: min, updated };
}

/** microversion_parse.get_version for service type `compute`, with Nova's legacy header as a fallback. */
function requestedVersion(request: FastifyRequest): string | undefined {
  const modern = request.headers['openstack-api-version'];
  const values = (Array.isArray(modern) ? modern.join(',') : (modern ?? '')).split(',');
  for (const value of values) {
    const [service, asked] = value.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute' && asked) return asked.toLowerCase();
  }
  const legacy = request.headers['x-openstack-nova-api-version'];
  const value = Array.isArray(legacy) ? legacy[0] : legacy;
  return value?.trim() ? value.trim().toLowerCase() : undefined;
}
