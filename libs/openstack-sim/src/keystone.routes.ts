import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenBody, type CatalogUrls } from './keystone-token.view';
import type { SimCloud } from './sim-cloud';
import { UNAUTHORIZED_MESSAGE } from './sim-identity';

// The simulated Keystone's HTTP routes: version discovery, token issuance and validation, and its error body.

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

/** keystone/api/discovery.py `_get_versions_list`: the one version, v3, as Keystone describes it. */
function v3Version(identityUrl: string): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${identityUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Keystone's error body: `{"error": {"code": 401, "message": "...", "title": "Unauthorized"}}`. */
export function keystoneError(
  code: number,
  message: string,
): { error: { code: number; message: string; title: string } } {
  return { error: { code, message, title: TITLES[code] ?? 'Error' } };
}

/**
 * Keystone under `/identity`: version discovery (`GET /identity` answers 300 with the version list,
 * `GET /identity/v3` the v3 document), `POST /v3/auth/tokens` (password or application credential → 201,
 * `X-Subject-Token`, token body) and `GET`/`HEAD /v3/auth/tokens` (validation of `X-Subject-Token`).
 */
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
    cloud.counters.token(outcome.token.projectId);
    return reply
      .code(201)
      .header('x-subject-token', outcome.token.id)
      .header('vary', 'X-Auth-Token')
      .send(tokenBody(outcome.token, outcome.user, outcome.project, urls(request)));
  });

  for (const path of ['/identity', '/identity/']) {
    app.get(path, async (request, reply) =>
      reply.code(300).send({ versions: { values: [v3Version(urls(request).identity)] } }),
    );
  }
  for (const path of ['/identity/v3', '/identity/v3/']) {
    app.get(path, async (request, reply) => reply.send({ version: v3Version(urls(request).identity) }));
  }

  const validate = async (request: FastifyRequest, reply: FastifyReply, withBody: boolean) => {
    const now = cloud.clock();
    const caller = cloud.identity.validate(request.headers['x-auth-token'], now);
    if (!caller) {
      reply.header('www-authenticate', `Keystone uri="${urls(request).identity}"`);
      return reply.code(401).send(keystoneError(401, UNAUTHORIZED_MESSAGE));
    }
    const subject = request.headers['x-subject-token'];
    const token = cloud.identity.validate(subject, now);
    const user = token && cloud.identity.userById(token.userId);
    const project = token && cloud.identity.projects.get(token.projectId);
    if (!token || !user || !project)
      return reply.code(404).send(keystoneError(404, `Could not find token: ${String(subject)}.`));
    // identity:validate_token is admin, service or the token's own subject; simulated users are none of the first two.
    if (token.userId !== caller.userId) {
      const message = 'You are not authorized to perform the requested action: identity:validate_token.';
      return reply.code(403).send(keystoneError(403, message));
    }
    reply.header('x-subject-token', token.id).header('vary', 'X-Auth-Token');
    if (!withBody) return reply.code(200).send();
    const query = new URL(request.url, 'http://sim.invalid').searchParams;
    const body = tokenBody(token, user, project, urls(request));
    if (query.has('nocatalog')) delete (body['token'] as Record<string, unknown>)['catalog'];
    return reply.send(body);
  };
  app.get('/identity/v3/auth/tokens', async (request, reply) => validate(request, reply, true));
}
