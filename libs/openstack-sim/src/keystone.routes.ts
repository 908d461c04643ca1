import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tokenBody, type CatalogUrls } from './keystone-token.view';
import type { SimCloud } from './sim-cloud';

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };

/** Keystone's error body: `{"error": {"code": 401, "message": "...", "title": "Unauthorized"}}`. */
export function keystoneError(
  code: number,
  message: string,
): { error: { code: number; message: string; title: string } } {
  return { error: { code, message, title: TITLES[code] ?? 'Error' } };
}

/** `POST /identity/v3/auth/tokens`: password or application credential → 201, `X-Subject-Token`, token body. */
export function registerKeystoneRoutes(
  app: FastifyInstance,
  cloud: SimCloud,
  urls: (request: FastifyRequest) => CatalogUrls,
): void {
  app.post('/identity/v3/auth/tokens', async (request, reply) => {
    const now = cloud.clock();
    const outcome = cloud.identity.authenticate(request.body, now, cloud.knobsFor().tokenTtlSeconds);
    if (!outcome.ok) {
      if (outcome.status === 401) reply.header('www-authenticate', `Keystone uri="${urls(request).identity}"`);
      return reply.code(outcome.status).send(keystoneError(outcome.status, outcome.message));
    }
    cloud.countToken();
    return reply
      .code(201)
      .header('x-subject-token', outcome.token.id)
      .header('vary', 'X-Auth-Token')
      .send(tokenBody(outcome.token, outcome.user, outcome.project, urls(request)));
  });
}
