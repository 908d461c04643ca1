import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registerNovaActions } from './nova-actions.routes';
import { admit, novaFault, type NovaDeps } from './nova-admit';
import type { NovaInstance } from './nova-instance.model';
import { microversion } from './nova-microversion';
import {
  FLAVOR,
  flavorDetail,
  flavorSummary,
  instanceActionView,
  serverDetail,
  serverSummary,
} from './nova-server.view';
import { statesForStatus } from './nova-states';
import type { SimToken } from './sim-identity';

export { novaFault } from './nova-admit';

type ById = { Params: { id: string } };

/**
 * Nova v2.1 subset under `/compute/v2.1`: servers (list with the `name`/`status`/`limit`/`marker` filters, detail,
 * show), server actions, instance actions (list and detail with events) and the one flavor.
 */
export function registerNovaRoutes(app: FastifyInstance, deps: NovaDeps): void {
  const { cloud } = deps;
  const prefix = '/compute/v2.1';

  app.get(`${prefix}/servers`, async (request, reply) => listServers(request, reply, deps, false));
  app.get(`${prefix}/servers/detail`, async (request, reply) => listServers(request, reply, deps, true));

  app.get<ById>(`${prefix}/servers/:id`, async (request, reply) => {
    cloud.counters.show(cloud.identity.projectOf(request.headers['x-auth-token']));
    return withServer(request, reply, deps, (instance) => {
      const view = instance.view(cloud.clock(), cloud.knobsFor(instance.id));
      const body = serverDetail(
        instance,
        view,
        deps.urls(request),
        cloud.indexOf(instance.id),
        microversion(request),
        true,
      );
      return reply.send({ server: body });
    });
  });

  app.get<ById>(`${prefix}/servers/:id/os-instance-actions`, async (request, reply) =>
    withServer(request, reply, deps, (instance) => {
      instance.settle(cloud.clock(), cloud.knobsFor(instance.id));
      const minor = microversion(request);
      return reply.send({
        instanceActions: instance.listActions().map((record) => instanceActionView(instance, record, minor)),
      });
    }),
  );

  app.get<{ Params: { id: string; requestId: string } }>(
    `${prefix}/servers/:id/os-instance-actions/:requestId`,
    async (request, reply) =>
      withServer(request, reply, deps, (instance) => {
        instance.settle(cloud.clock(), cloud.knobsFor(instance.id));
        const record = instance.listActions().find((r) => r.requestId === request.params.requestId);
        if (!record) return novaFault(reply, 404, 'itemNotFound', `Action ${request.params.requestId} not found`);
        const body = instanceActionView(instance, record, microversion(request), true);
        return reply.send({ instanceAction: body });
      }),
  );

  app.get(`${prefix}/flavors`, async (request, reply) =>
    (await admit(request, reply, deps, undefined))
      ? reply.send({ flavors: [flavorSummary(deps.urls(request), microversion(request))] })
      : reply,
  );
  app.get(`${prefix}/flavors/detail`, async (request, reply) =>
    (await admit(request, reply, deps, undefined))
      ? reply.send({ flavors: [flavorDetail(deps.urls(request), microversion(request))] })
      : reply,
  );
  const oneFlavor =
    (body: (request: FastifyRequest) => Record<string, unknown>) =>
    async (request: FastifyRequest<ById>, reply: FastifyReply) => {
      if (!(await admit(request, reply, deps, undefined))) return reply;
      if (request.params.id !== FLAVOR.id)
        return novaFault(reply, 404, 'itemNotFound', `Flavor ${request.params.id} could not be found.`);
      return reply.send(body(request));
    };
  app.get<ById>(
    `${prefix}/flavors/:id`,
    oneFlavor((request) => ({ flavor: flavorDetail(deps.urls(request), microversion(request)) })),
  );
  app.get<ById>(
    `${prefix}/flavors/:id/os-extra_specs`,
    oneFlavor(() => ({ extra_specs: {} })),
  );

  registerNovaActions(app, deps);
}

/** Admits the request, finds the caller's server `:id` (404 otherwise) and hands it to `then`. */
export async function withServer(
  request: FastifyRequest<ById>,
  reply: FastifyReply,
  deps: NovaDeps,
  then: (instance: NovaInstance, token: SimToken) => FastifyReply | Promise<FastifyReply>,
): Promise<FastifyReply> {
  const token = await admit(request, reply, deps, request.params.id);
  if (!token) return reply;
  const instance = deps.cloud.findInstance(token.projectId, request.params.id);
  if (!instance) return novaFault(reply, 404, 'itemNotFound', `Instance ${request.params.id} could not be found.`);
  return then(instance, token);
}

async function listServers(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: NovaDeps,
  detail: boolean,
): Promise<FastifyReply> {
  const { cloud } = deps;
  cloud.counters.list(cloud.identity.projectOf(request.headers['x-auth-token']));
  const token = await admit(request, reply, deps, undefined);
  if (!token) return reply;
  const query = new URL(request.url, 'http://sim.invalid').searchParams;
  const minor = microversion(request);
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
  const now = cloud.clock();
  let keep: (instance: NovaInstance) => boolean = () => true;
  const statuses = query.getAll('status');
  if (statuses.length > 0) {
    // servers.py _get_servers: status → vm_states (+ task_states unless a status maps to the default task)
    const states = statesForStatus(statuses);
    if (!states) {
      if (minor >= 38) return novaFault(reply, 400, 'badRequest', 'Invalid status value');
      return reply.send({ servers: [] });
    }
    keep = (instance) => {
      const view = instance.view(now, cloud.knobsFor(instance.id));
      return (
        states.vmStates.includes(view.vmState) && (!states.taskStates || states.taskStates.includes(view.taskState))
      );
    };
  }
  const name = query.get('name');
  if (name !== null) {
    const pattern = safeRegExp(name);
    const byStatus = keep;
    keep = (instance) => pattern.test(instance.name) && byStatus(instance);
  }
  const page: NovaInstance[] = [];
  for (let i = start; i < all.length && page.length < limit; i += 1) if (keep(all[i])) page.push(all[i]);
  const urls = deps.urls(request);
  const servers = page.map((instance) =>
    detail
      ? serverDetail(instance, instance.view(now, cloud.knobsFor(instance.id)), urls, cloud.indexOf(instance.id), minor)
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

/** Nova matches `name` as a regular expression (a DB REGEXP); an invalid one is matched literally. */
function safeRegExp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    return new RegExp(source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}
