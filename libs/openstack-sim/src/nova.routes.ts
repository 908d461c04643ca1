import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from './fault-injector';
import { keystoneError } from './keystone.routes';
import { instanceActionView, serverDetail, serverSummary, type NovaUrls } from './nova-server.view';
import type { SimCloud } from './sim-cloud';
import { UNAUTHORIZED_MESSAGE, type SimToken } from './sim-identity';

/** Nova's error body: `{"<faultName>": {"code": N, "message": "..."}}` (nova/api/openstack/wsgi.py Fault). */
export function novaFault(reply: FastifyReply, status: number, name: string, message: string): FastifyReply {
  return reply.code(status).send({ [name]: { code: status, message } });
}

const REBOOT_TYPES = ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'];

interface NovaDeps {
  cloud: SimCloud;
  faults: FaultInjector;
  urls: (request: FastifyRequest) => NovaUrls & { identity: string };
}

/** Nova v2.1 subset under `/compute/v2.1`: servers, servers/detail, servers/{id}, reboot action, instance actions. */
export function registerNovaRoutes(app: FastifyInstance, deps: NovaDeps): void {
  const { cloud } = deps;
  const prefix = '/compute/v2.1';

  app.get(`${prefix}/servers`, async (request, reply) => listServers(request, reply, deps, false));
  app.get(`${prefix}/servers/detail`, async (request, reply) => listServers(request, reply, deps, true));

  app.get<{ Params: { id: string } }>(`${prefix}/servers/:id`, async (request, reply) => {
    const token = await admit(request, reply, deps, cloud.nameOf(request.params.id));
    if (!token) return reply;
    const instance = cloud.findInstance(token.projectId, request.params.id);
    if (!instance) return notFound(reply, request.params.id);
    const view = instance.view(cloud.clock(), cloud.knobsFor(instance.name));
    return reply.send({ server: serverDetail(instance, view, deps.urls(request), cloud.indexOf(instance.id)) });
  });

  app.get<{ Params: { id: string } }>(`${prefix}/servers/:id/os-instance-actions`, async (request, reply) => {
    const token = await admit(request, reply, deps, cloud.nameOf(request.params.id));
    if (!token) return reply;
    const instance = cloud.findInstance(token.projectId, request.params.id);
    if (!instance) return notFound(reply, request.params.id);
    return reply.send({
      instanceActions: instance.listActions().map((record) => instanceActionView(instance, record)),
    });
  });

  app.post<{ Params: { id: string } }>(`${prefix}/servers/:id/action`, async (request, reply) => {
    const name = cloud.nameOf(request.params.id);
    const body = request.body as Record<string, unknown> | undefined;
    const isReboot = typeof body === 'object' && body !== null && 'reboot' in body;
    if (isReboot && name) cloud.countReboot(name);
    const token = await admit(request, reply, deps, name);
    if (!token) return reply;
    if (!isReboot) {
      const action = typeof body === 'object' && body !== null ? Object.keys(body)[0] : undefined;
      return novaFault(
        reply,
        400,
        'badRequest',
        action ? `There is no such action: ${action}` : 'Malformed request body',
      );
    }
    const rawType = (body['reboot'] as { type?: unknown } | null)?.type;
    if (typeof rawType !== 'string' || !REBOOT_TYPES.includes(rawType)) {
      return novaFault(
        reply,
        400,
        'badRequest',
        `Invalid input for field/attribute type. Value: ${String(rawType)}. '${String(rawType)}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`,
      );
    }
    const instance = cloud.findInstance(token.projectId, request.params.id);
    if (!instance) return notFound(reply, request.params.id);
    const now = cloud.clock();
    const decision = instance.requestReboot(
      rawType.toUpperCase() as 'SOFT' | 'HARD',
      now,
      cloud.knobsFor(instance.name),
    );
    if (!decision.accepted) {
      // nova/api/openstack/common.py raise_http_conflict_for_instance_invalid_state
      return novaFault(
        reply,
        409,
        'conflictingRequest',
        `Cannot 'reboot' instance ${instance.id} while it is in ${decision.attr} ${decision.state}`,
      );
    }
    instance.recordAction('reboot', String(reply.getHeader('x-openstack-request-id')), now, token.userId);
    return reply.code(202).send();
  });
}

async function listServers(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: NovaDeps,
  detail: boolean,
): Promise<FastifyReply> {
  const { cloud } = deps;
  cloud.countList();
  const token = await admit(request, reply, deps, undefined);
  if (!token) return reply;
  const query = new URL(request.url, 'http://sim.invalid').searchParams;
  const max = cloud.knobsFor().pageSizeMax;
  let limit = max;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    if (!/^\d+$/.test(rawLimit)) {
      return novaFault(
        reply,
        400,
        'badRequest',
        `Invalid input for query parameters limit. Value: ${rawLimit}. '${rawLimit}' does not match '^[0-9]*$'`,
      );
    }
    limit = Math.min(Number(rawLimit), max);
  }
  const all = cloud.instancesOf(token.projectId);
  let start = 0;
  const marker = query.get('marker');
  if (marker !== null) {
    const at = all.findIndex((i) => i.id === marker);
    if (at < 0) return novaFault(reply, 400, 'badRequest', `marker [${marker}] not found`);
    start = at + 1;
  }
  const page = all.slice(start, start + limit);
  const urls = deps.urls(request);
  const now = cloud.clock();
  const servers = page.map((instance) =>
    detail
      ? serverDetail(instance, instance.view(now, cloud.knobsFor(instance.name)), urls, cloud.indexOf(instance.id))
      : serverSummary(instance, urls),
  );
  const body: Record<string, unknown> = { servers };
  // Like Nova's _get_collection_links: a full page always carries a next link, even when it is the last one.
  if (limit > 0 && page.length === limit) {
    query.set('marker', page[page.length - 1].id);
    body['servers_links'] = [
      { href: `${urls.compute}/servers${detail ? '/detail' : ''}?${query.toString()}`, rel: 'next' },
    ];
  }
  return reply.send(body);
}

/**
 * What happens before Nova handles a request: latency, dropped connection, token check (keystonemiddleware),
 * injected 500. Returns the caller's token, or null once an answer (or no answer) has been given.
 */
async function admit(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: NovaDeps,
  serverName: string | undefined,
): Promise<SimToken | null> {
  const { cloud, faults } = deps;
  const knobs = cloud.knobsFor(serverName);
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
  if (cloud.consumeFailure(serverName) || faults.chance(knobs.errorRate)) {
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

function notFound(reply: FastifyReply, id: string): FastifyReply {
  return novaFault(reply, 404, 'itemNotFound', `Instance ${id} could not be found.`);
}
