import type { FastifyInstance, FastifyReply } from 'fastify';
import type { KubeCluster, KubePodState } from './kube-cluster.model';
import { kubeStatus, notFound, pdbJson, podJson, type KubeObject } from './kube-objects.view';
import { intOrPercentProblem, type KubePdb } from './kube-pdb';
import { KUBE_PREFIX, send, withSelectors, type KubeRequest, type KubeRoutes } from './kube-http';

// Pods, their Eviction subresource, DaemonSets (drain checks a DaemonSet pod's owner exists) and budgets.

type Query = { Fields: { fieldSelector?: string; labelSelector?: string } };
type Named = { Params: { project: string; namespace: string; name: string } };

const POD_FIELDS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];

/** Registers the pod, eviction, DaemonSet and PodDisruptionBudget routes of the Kubernetes API. */
export function registerKubePodRoutes(kube: FastifyInstance, routes: KubeRoutes): void {
  const { cloud } = routes;
  const render = (cluster: KubeCluster, state: KubePodState): KubeObject => {
    const node = state.pod.nodeName === null ? undefined : cluster.nodeByName(state.pod.nodeName);
    const hostIp = node ? `10.0.0.${10 + (cloud.indexOf(node.node.instance.id) % 240)}` : null;
    return podJson(state, hostIp);
  };
  const listPods = (request: KubeRequest & { query: Query['Fields'] }, reply: FastifyReply, namespace?: string) =>
    withSelectors(reply, request.query, POD_FIELDS, (keep) => {
      const cluster = routes.cluster(request);
      const items = cluster
        .podStates({ namespace })
        .filter(({ pod }) =>
          keep(
            {
              'metadata.name': pod.name,
              'metadata.namespace': pod.namespace,
              'spec.nodeName': pod.nodeName ?? '',
              'status.phase': pod.nodeName === null ? 'Pending' : 'Running',
            },
            pod.labels,
          ),
        )
        .map((state) => render(cluster, state));
      return routes.list(request, reply, 'pods', 'PodList', 'v1', items);
    });

  kube.get<{ Params: { project: string }; Querystring: Query['Fields'] }>(
    `${KUBE_PREFIX}/api/v1/pods`,
    async (request, reply) => listPods(request as never, reply),
  );
  kube.get<{ Params: { project: string; namespace: string }; Querystring: Query['Fields'] }>(
    `${KUBE_PREFIX}/api/v1/namespaces/:namespace/pods`,
    async (request, reply) => listPods(request as never, reply, request.params.namespace),
  );

  kube.get<Named>(`${KUBE_PREFIX}/api/v1/namespaces/:namespace/pods/:name`, async (request, reply) => {
    const cluster = routes.cluster(request);
    const state = cluster.pod(request.params.namespace, request.params.name);
    if (!state) return reply.code(404).send(notFound('pods', request.params.name));
    return routes.one(request, reply, 'pods', render(cluster, state));
  });

  kube.delete<Named>(`${KUBE_PREFIX}/api/v1/namespaces/:namespace/pods/:name`, async (request, reply) => {
    const cluster = routes.cluster(request);
    const outcome = cluster.deletePod(request.params.namespace, request.params.name);
    if (!outcome.ok) return reply.code(404).send(notFound('pods', request.params.name));
    const state = cluster.pod(request.params.namespace, request.params.name);
    // A pod that was gone at once (never bound) is answered as it was at its deletion.
    return reply.send(render(cluster, state ?? { pod: outcome.pod, ready: false, readySince: cloud.clock() }));
  });

  kube.post<Named>(`${KUBE_PREFIX}/api/v1/namespaces/:namespace/pods/:name/eviction`, async (request, reply) => {
    const { namespace, name } = request.params;
    const body = (request.body ?? {}) as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown } };
    if (body.kind !== undefined && body.kind !== 'Eviction')
      return send(
        reply,
        400,
        'BadRequest',
        `no kind "${String(body.kind)}" is registered for the subresource eviction`,
      );
    if (body.apiVersion !== undefined && body.apiVersion !== 'policy/v1' && body.apiVersion !== 'policy/v1beta1')
      return send(reply, 400, 'BadRequest', `unsupported version ${String(body.apiVersion)} of Eviction`);
    if (body.metadata?.name !== name)
      return send(reply, 400, 'BadRequest', 'name in URL does not match name in Eviction object');
    const outcome = routes.cluster(request).evict(namespace, name);
    if (outcome.ok) return reply.code(201).send(kubeStatus(201, '', ''));
    if (outcome.code === 404) return reply.code(404).send(notFound('pods', name));
    if (outcome.code === 429)
      return send(reply, 429, 'TooManyRequests', outcome.message, {
        causes: [{ reason: 'DisruptionBudget', message: outcome.cause ?? '' }],
      });
    return send(reply, 500, 'InternalError', `Internal error occurred: ${outcome.message}`, {
      causes: [{ message: outcome.message }],
    });
  });

  kube.get<Named>(`${KUBE_PREFIX}/apis/apps/v1/namespaces/:namespace/daemonsets/:name`, async (request, reply) => {
    const { namespace, name } = request.params;
    const owner = routes
      .cluster(request)
      .podStates({ namespace })
      .find(({ pod }) => pod.workload.kind === 'DaemonSet' && pod.workload.name === name)?.pod.workload;
    if (!owner) return reply.code(404).send(notFound('daemonsets', name, 'apps'));
    return reply.send({
      kind: 'DaemonSet',
      apiVersion: 'apps/v1',
      metadata: { name, namespace, uid: owner.uid, generation: 1, labels: owner.labels },
      spec: { selector: { matchLabels: owner.labels } },
      status: { desiredNumberScheduled: owner.replicas, numberReady: owner.replicas, observedGeneration: 1 },
    });
  });

  registerPdbRoutes(kube, routes);
}

function registerPdbRoutes(kube: FastifyInstance, routes: KubeRoutes): void {
  const { cloud } = routes;
  const base = `${KUBE_PREFIX}/apis/policy/v1`;
  const list = (request: KubeRequest, reply: FastifyReply, namespace?: string) => {
    const items = routes
      .cluster(request)
      .pdbStates(namespace)
      .map((state) => pdbJson(state, cloud.clock()));
    return routes.list(request, reply, 'poddisruptionbudgets', 'PodDisruptionBudgetList', 'policy/v1', items);
  };
  kube.get(`${base}/poddisruptionbudgets`, async (request, reply) => list(request as KubeRequest, reply));
  kube.get<{ Params: { project: string; namespace: string } }>(
    `${base}/namespaces/:namespace/poddisruptionbudgets`,
    async (request, reply) => list(request, reply, request.params.namespace),
  );
  kube.get<Named>(`${base}/namespaces/:namespace/poddisruptionbudgets/:name`, async (request, reply) => {
    const state = routes
      .cluster(request)
      .pdbStates(request.params.namespace)
      .find((s) => s.pdb.name === request.params.name);
    if (!state) return reply.code(404).send(notFound('poddisruptionbudgets', request.params.name, 'policy'));
    return routes.one(request, reply, 'poddisruptionbudgets', pdbJson(state, cloud.clock()));
  });
  kube.post<{ Params: { project: string; namespace: string } }>(
    `${base}/namespaces/:namespace/poddisruptionbudgets`,
    async (request, reply) => {
      const { namespace } = request.params;
      const parsed = parsePdb(request.body, namespace);
      if (typeof parsed === 'string') return send(reply, 422, 'Invalid', parsed);
      const cluster = routes.cluster(request);
      if (!cluster.addPdb(parsed))
        return send(reply, 409, 'AlreadyExists', `poddisruptionbudgets.policy "${parsed.name}" already exists`, {
          name: parsed.name,
          group: 'policy',
          kind: 'poddisruptionbudgets',
        });
      const state = cluster.pdbStates(namespace).find((s) => s.pdb.name === parsed.name);
      return reply.code(201).send(state && pdbJson(state, cloud.clock()));
    },
  );
  kube.delete<Named>(`${base}/namespaces/:namespace/poddisruptionbudgets/:name`, async (request, reply) => {
    const cluster = routes.cluster(request);
    const state = cluster.pdbStates(request.params.namespace).find((s) => s.pdb.name === request.params.name);
    if (!state) return reply.code(404).send(notFound('poddisruptionbudgets', request.params.name, 'policy'));
    cluster.deletePdb(request.params.namespace, request.params.name);
    return reply.send(pdbJson(state, cloud.clock()));
  });
}

/** A PodDisruptionBudget from a create request, or the 422 message of the API server's validation. */
export function parsePdb(body: unknown, namespace: string): Omit<KubePdb, 'uid' | 'createdAt'> | string {
  const object = (body ?? {}) as { metadata?: { name?: unknown; namespace?: unknown }; spec?: Record<string, unknown> };
  const name = object.metadata?.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name))
    return `PodDisruptionBudget.policy "${String(name ?? '')}" is invalid: metadata.name: Invalid value: "${String(name ?? '')}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`;
  const invalid = (field: string, message: string) =>
    `PodDisruptionBudget.policy "${name}" is invalid: ${field}: ${message}`;
  if (object.metadata?.namespace !== undefined && object.metadata.namespace !== namespace)
    return invalid(
      'metadata.namespace',
      'Invalid value: the namespace of the provided object does not match the namespace sent on the request',
    );
  const spec = object.spec ?? {};
  const { minAvailable, maxUnavailable, selector } = spec as {
    minAvailable?: unknown;
    maxUnavailable?: unknown;
    selector?: unknown;
  };
  if (minAvailable !== undefined && maxUnavailable !== undefined)
    return invalid('spec', 'Invalid value: minAvailable and maxUnavailable cannot be both set');
  for (const [field, value] of [
    ['spec.minAvailable', minAvailable],
    ['spec.maxUnavailable', maxUnavailable],
  ] as const) {
    const problem = intOrPercentProblem(value);
    if (problem) return invalid(field, `Invalid value: ${JSON.stringify(value)}: ${problem}`);
  }
  if (selector !== undefined && (typeof selector !== 'object' || selector === null))
    return invalid('spec.selector', 'Invalid value: must be a label selector');
  return {
    namespace,
    name,
    selector: (selector ?? {}) as KubePdb['selector'],
    ...(minAvailable !== undefined ? { minAvailable: minAvailable as number | string } : {}),
    ...(maxUnavailable !== undefined ? { maxUnavailable: maxUnavailable as number | string } : {}),
  };
}
