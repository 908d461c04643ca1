import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SimCloud } from './sim-cloud';
import { KnobsError, parseKnobsPatch } from './sim-knobs';

/**
 * Admin API for tests and other processes (never faulted):
 * `GET/PUT /_sim/knobs[?server=name]`, `GET /_sim/stats`, `POST /_sim/reset`, `POST /_sim/tokens/expire`.
 */
export function registerAdminRoutes(app: FastifyInstance, cloud: SimCloud): void {
  app.get<{ Querystring: { server?: string } }>('/_sim/knobs', async (request, reply) => {
    const server = request.query.server;
    if (server !== undefined && !cloud.idOf(server)) return unknownServer(reply, server);
    return reply.send(cloud.knobsFor(server));
  });

  app.put<{ Querystring: { server?: string } }>('/_sim/knobs', async (request, reply) => {
    const server = request.query.server;
    if (server !== undefined && !cloud.idOf(server)) return unknownServer(reply, server);
    try {
      cloud.setKnobs(parseKnobsPatch(request.body), server);
    } catch (error) {
      if (error instanceof KnobsError) return reply.code(400).send({ error: error.message });
      throw error;
    }
    return reply.send(cloud.knobsFor(server));
  });

  app.get('/_sim/stats', async (_request, reply) => reply.send(cloud.stats()));

  app.post('/_sim/reset', async (_request, reply) => {
    cloud.reset();
    return reply.code(204).send();
  });

  app.post('/_sim/tokens/expire', async (_request, reply) => {
    cloud.identity.expireAll();
    return reply.code(204).send();
  });
}

function unknownServer(reply: FastifyReply, server: string): FastifyReply {
  return reply.code(404).send({ error: `unknown server ${server}` });
}
