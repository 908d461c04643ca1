import type { FastifyInstance } from 'fastify';
import { KUBE_PREFIX, send, withSelectors, type KubeRoutes } from './kube-http';
import type { KubeCluster } from './kube-cluster.model';
import { API_GROUPS, API_RESOURCES, API_VERSIONS, VERSION_INFO } from './kube-discovery';
import { listJson, nodeJson, notFound, type KubeObject } from './kube-objects.view';
import { applyPatch, PATCH_TYPES, PatchError } from './kube-patch';
import { registerKubePodRoutes } from './kube-pods.routes';
import { tableJson, wantsTable } from './kube-table.view';
import type { SimCloud } from './sim-cloud';

/** Paths an anonymous caller may read (system:public-info-viewer). */
const PUBLIC_PATHS = ['/version', '/healthz', '/readyz', '/livez'];

/**
 * The Kubernetes API of every simulated cluster, under `/kubernetes/<project-id>`, as a real API server answers
 * `kubectl` and `@kubernetes/client-node`: bearer token authentication (401 for a bad one, 403 for anonymous
 * callers but on /version and health), legacy discovery, nodes (list, get, PATCH as JSON, merge or strategic
 * merge patch: cordon), pods, the Eviction subresource (policy/v1) and PodDisruptionBudgets. Errors are
 * `metav1.Status` objects. The `kubeUnreachable` knob resets every connection.
 */
export function registerKubeRoutes(app: FastifyInstance, cloud: SimCloud): void {
  void app.register(async (kube) => {
    kube.addContentTypeParser([...PATCH_TYPES], { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(String(body)));
      } catch {
        done(Object.assign(new Error('the body of the request was in an unknown format'), { statusCode: 400 }));
      }
    });
    kube.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const accepted = request.method === 'PATCH' ? PATCH_TYPES.join(', ') : 'application/json';
      if (error.statusCode === 415)
        return send(
          reply,
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${accepted}`,
        );
      if (error.statusCode === 400) return send(reply, 400, 'BadRequest', error.message);
      return send(reply, 500, 'InternalError', `Internal error occurred: ${error.message}`);
    });
    kube.addHook<{ Params: { project: string } }>('onRequest', async (request, reply) => {
      if (cloud.knobsFor().kubeUnreachable) {
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      const cluster = cloud.cluster(request.params.project);
      if (!cluster) return send(reply, 404, 'NotFound', 'the server could not find the requested resource');
      const header = request.headers.authorization;
      if (header === undefined) {
        const path = request.url.slice(`/kubernetes/${request.params.project}`.length).split('?')[0];
        if (PUBLIC_PATHS.includes(path)) return;
        return send(
          reply,
          403,
          'Forbidden',
          `forbidden: User "system:anonymous" cannot ${request.method.toLowerCase()} path "${path}"`,
        );
      }
      if (header !== `Bearer ${cluster.token}`) return send(reply, 401, 'Unauthorized', 'Unauthorized');
      // Watches are not simulated: say so rather than answer a list a watching client would misread.
      const watch = (request.query as { watch?: string }).watch;
      if (watch === 'true' || watch === '1')
        return send(reply, 405, 'MethodNotAllowed', 'watch is not supported by the simulated API server: list instead');
    });

    const routes: KubeRoutes = {
      cloud,
      cluster: (request) => cloud.cluster(request.params.project) as KubeCluster,
      one: (request, reply, resource, item, status = 200) =>
        reply.code(status).send(wantsTable(request.headers.accept) ? tableJson(resource, [item], cloud.clock()) : item),
      list: (request, reply, resource, kind, apiVersion, items) =>
        reply.send(
          wantsTable(request.headers.accept)
            ? tableJson(resource, items, cloud.clock())
            : listJson(kind, apiVersion, items),
        ),
    };
    registerDiscovery(kube);
    registerNodeRoutes(kube, routes);
    registerKubePodRoutes(kube, routes);
  });
}

function registerDiscovery(kube: FastifyInstance): void {
  kube.get(`${KUBE_PREFIX}/version`, async (_request, reply) => reply.send(VERSION_INFO));
  for (const path of PUBLIC_PATHS.slice(1))
    kube.get(`${KUBE_PREFIX}${path}`, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok'));
  kube.get(`${KUBE_PREFIX}/api`, async (_request, reply) => reply.send(API_VERSIONS));
  kube.get(`${KUBE_PREFIX}/apis`, async (_request, reply) => reply.send(API_GROUPS));
  kube.get(`${KUBE_PREFIX}/api/v1`, async (_request, reply) => reply.send(API_RESOURCES.v1));
  for (const group of ['apps', 'policy'])
    kube.get(`${KUBE_PREFIX}/apis/${group}/v1`, async (_request, reply) => reply.send(API_RESOURCES[`${group}/v1`]));
}

function registerNodeRoutes(kube: FastifyInstance, routes: KubeRoutes): void {
  const { cloud } = routes;
  const render = (cluster: KubeCluster, name: string): KubeObject | undefined => {
    const state = cluster.nodeByName(name);
    if (!state) return undefined;
    return nodeJson(state, `10.0.0.${10 + (cloud.indexOf(state.node.instance.id) % 240)}`, cloud.clock());
  };
  type Query = { Params: { project: string }; Querystring: { fieldSelector?: string; labelSelector?: string } };
  type One = { Params: { project: string; name: string } };

  kube.get<Query>(`${KUBE_PREFIX}/api/v1/nodes`, async (request, reply) =>
    withSelectors(reply, request.query, ['metadata.name', 'spec.unschedulable'], (keep) => {
      const cluster = routes.cluster(request);
      const items = cluster
        .nodeStates()
        .map((state) => render(cluster, state.node.name) as KubeObject)
        .filter((item) => {
          const meta = item.metadata as { name: string; labels: Record<string, string> };
          const unschedulable = String((item.spec as { unschedulable?: boolean }).unschedulable === true);
          return keep({ 'metadata.name': meta.name, 'spec.unschedulable': unschedulable }, meta.labels);
        });
      return routes.list(request, reply, 'nodes', 'NodeList', 'v1', items);
    }),
  );

  kube.get<One>(`${KUBE_PREFIX}/api/v1/nodes/:name`, async (request, reply) => {
    const item = render(routes.cluster(request), request.params.name);
    if (!item) return reply.code(404).send(notFound('nodes', request.params.name));
    return routes.one(request, reply, 'nodes', item);
  });

  kube.patch<One>(`${KUBE_PREFIX}/api/v1/nodes/:name`, async (request, reply) => {
    const cluster = routes.cluster(request);
    const { name } = request.params;
    const current = render(cluster, name);
    if (!current) return reply.code(404).send(notFound('nodes', name));
    const type = String(request.headers['content-type']).split(';')[0].trim() as (typeof PATCH_TYPES)[number];
    let patched: KubeObject;
    try {
      patched = applyPatch(type, current, request.body) as KubeObject;
    } catch (error) {
      if (!(error instanceof PatchError)) throw error;
      return error.code === 422
        ? send(
            reply,
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: ${error.message}`,
          )
        : send(reply, 400, 'BadRequest', error.message);
    }
    const spec = (patched?.spec ?? {}) as { unschedulable?: unknown };
    if (spec.unschedulable !== undefined && typeof spec.unschedulable !== 'boolean')
      return send(
        reply,
        400,
        'BadRequest',
        'json: cannot unmarshal into Go struct field NodeSpec.spec.unschedulable of type bool',
      );
    cluster.setUnschedulable(name, spec.unschedulable === true);
    return reply.send(render(cluster, name));
  });
}
