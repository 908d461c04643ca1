import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from './fault-injector';
import { keystoneError } from './keystone.routes';
import type { NovaUrls } from './nova-server.view';
import type { SimCloud } from './sim-cloud';
import { UNAUTHORIZED_MESSAGE, type SimToken } from './sim-identity';

// What every Nova request goes through before Nova handles it, and Nova's error body.

/** Nova's error body: `{"<faultName>": {"code": N, "message": "..."}}` (nova/api/openstack/wsgi.py Fault). */
export function novaFault(reply: FastifyReply, status: number, name: string, message: string): FastifyReply {
  return reply.code(status).send({ [name]: { code: status, message } });
}

/** What the Nova routes need. */
export interface NovaDeps {
  cloud: SimCloud;
  faults: FaultInjector;
  urls: (request: FastifyRequest) => NovaUrls & { identity: string; image: string };
}

/**
 * What happens before Nova handles a request: latency, dropped connection, token check (keystonemiddleware),
 * injected 500. Returns the caller's token, or null once an answer (or no answer) has been given.
 */
export async function admit(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: NovaDeps,
  serverId: string | undefined,
): Promise<SimToken | null> {
  const { cloud, faults } = deps;
  const knobs = cloud.knobsFor(serverId);
  await faults.delay(knobs.latencyMs);
  if (faults.isClosed || faults.chance(knobs.dropRate)) {
    reply.hijack();
    request.raw.socket.destroy();
    return null;
  }
  const token = cloud.identity.validate(request.headers['x-auth-token'], cloud.clock());
  if (!token) {
    reply
      .code(401)
      .header('www-authenticate', `Keystone uri="${deps.urls(request).identity}"`)
      .send(keystoneError(401, UNAUTHORIZED_MESSAGE));
    return null;
  }
  if (cloud.consumeFailure(serverId) || faults.chance(knobs.errorRate)) {
    novaFault(
      reply,
      500,
      'computeFault',
      'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.',
    );
    return null;
  }
  return token;
}
