import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { NovaInstance } from './nova-instance.model';
import { NOVA_TASK_STATES } from './nova-states';
import type { SimCloud } from './sim-cloud';
import { KnobsError, parseKnobsPatch } from './sim-knobs';

/**
 * Admin API for tests and other processes (never faulted). `server` is a server id, or a name (every server of
 * that name, in the project `?project=<id>` when given):
 * - `GET/PUT /_sim/knobs[?server=…&project=…]`: knobs, global or per server;
 * - `GET /_sim/stats`: counters, per project with reboot concurrency per role; `POST /_sim/reset`;
 * - `GET /_sim/servers/{server}[?project=…]`: one server's state, exact reboot counts and when its last reboot began
 *   and ended (`lastRebootPeriod`, ms since the epoch);
 * - `PUT /_sim/servers/{server}/lock` `{"locked": bool, "reason"?: string}`: an admin's lock (the owner cannot lift it);
 * - `PUT /_sim/servers/{server}/task` `{"taskState": "migrating" | … | null, "forMs"?: number | null}`:
 *   holds a Nova task state (for `forMs`, or until cleared with null);
 * - `GET /_sim/history[?project=…]`: every server's accepted reboot actions, reboot periods and down intervals (from
 *   a reboot's start until it is next `ACTIVE`), ms since the epoch: what the seeded chaos run checks against;
 * - `POST /_sim/tokens/expire`: revokes every token.
 */
export function registerAdminRoutes(app: FastifyInstance, cloud: SimCloud): void {
  type Scoped = { Querystring: { server?: string; project?: string } };
  type OneServer = { Params: { server: string }; Querystring: { project?: string } };

  app.get<Scoped>('/_sim/knobs', async (request, reply) => {
    const { server, project } = request.query;
    if (server === undefined) return reply.send(cloud.knobsFor());
    const [first] = cloud.match(server, project);
    return first ? reply.send(cloud.knobsFor(first.id)) : unknownServer(reply, server);
  });

  app.put<Scoped>('/_sim/knobs', async (request, reply) => {
    const { server, project } = request.query;
    const [first] = server === undefined ? [] : cloud.match(server, project);
    if (server !== undefined && !first) return unknownServer(reply, server);
    try {
      cloud.setKnobs(parseKnobsPatch(request.body), server, project);
    } catch (error) {
      if (error instanceof KnobsError) return reply.code(400).send({ error: error.message });
      throw error;
    }
    return reply.send(cloud.knobsFor(first?.id));
  });

  app.get('/_sim/stats', async (_request, reply) => reply.send(cloud.stats()));

  app.get<{ Querystring: { project?: string } }>('/_sim/history', async (request, reply) =>
    reply.send({ servers: cloud.history(request.query.project) }),
  );

  app.get<OneServer>('/_sim/servers/:server', async (request, reply) =>
    withOne(cloud, request.params.server, request.query.project, reply, (instance) =>
      reply.send(cloud.serverStats(instance)),
    ),
  );

  app.put<OneServer>('/_sim/servers/:server/lock', async (request, reply) => {
    const body = lockSchema.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: `invalid lock: ${body.error.issues[0].message}` });
    return withEach(cloud, request.params.server, request.query.project, reply, (instance) =>
      instance.setLock(body.data.locked ? 'admin' : null, body.data.reason ?? null),
    );
  });

  app.put<OneServer>('/_sim/servers/:server/task', async (request, reply) => {
    const body = taskSchema.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: `invalid task: ${body.error.issues[0].message}` });
    const { taskState, forMs } = body.data;
    return withEach(cloud, request.params.server, request.query.project, reply, (instance) =>
      instance.holdTask(taskState, cloud.clock(), cloud.knobsFor(instance.id), forMs ?? null),
    );
  });

  app.post('/_sim/reset', async (_request, reply) => {
    cloud.reset();
    return reply.code(204).send();
  });

  app.post('/_sim/tokens/expire', async (_request, reply) => {
    cloud.identity.expireAll();
    return reply.code(204).send();
  });
}

const lockSchema = z.strictObject({ locked: z.boolean(), reason: z.string().max(255).optional() });
const taskSchema = z.strictObject({
  taskState: z.enum(NOVA_TASK_STATES).nullable(),
  forMs: z.number().int().min(0).nullable().optional(),
});

/** Applies `change` to every server `server` designates and answers with their state. */
function withEach(
  cloud: SimCloud,
  server: string,
  project: string | undefined,
  reply: FastifyReply,
  change: (instance: NovaInstance) => void,
): FastifyReply {
  const targets = cloud.match(server, project);
  if (targets.length === 0) return unknownServer(reply, server);
  for (const instance of targets) change(instance);
  return reply.send({ servers: targets.map((instance) => cloud.serverStats(instance)) });
}

/** Hands the one server `server` designates to `then` (409 when a name is ambiguous across projects). */
function withOne(
  cloud: SimCloud,
  server: string,
  project: string | undefined,
  reply: FastifyReply,
  then: (instance: NovaInstance) => FastifyReply,
): FastifyReply {
  const targets = cloud.match(server, project);
  if (targets.length === 0) return unknownServer(reply, server);
  if (targets.length > 1)
    return reply.code(409).send({ error: `${targets.length} servers are named ${server}: add ?project=<id>` });
  return then(targets[0]);
}

function unknownServer(reply: FastifyReply, server: string): FastifyReply {
  return reply.code(404).send({ error: `unknown server ${server}` });
}
