import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubeCluster } from './kube-cluster.model';
import { parsePdb } from './kube-pods.routes';
import type { SimCloud } from './sim-cloud';

/**
 * Admin API of the simulated clusters' Kubernetes APIs (never faulted):
 * - `GET /_sim/kubernetes[?project=<id>]`: `{"url", "token", "tlsUrl", "caPem"}`: where a client reaches that
 *   cluster's API over plain HTTP and over HTTPS (with the certificate to trust), and its bearer token (`project` may
 *   be left out when the simulator serves one project);
 * - `GET /_sim/kubernetes/stats[?project=<id>]`: per project, the most masters not Ready at once, how many are not
 *   Ready now, and the non-DaemonSet, non-mirror pods on each node when Nova accepted its reboot;
 * - `POST /_sim/kubernetes/pdbs?project=<id>` with a policy/v1 PodDisruptionBudget (`metadata.namespace` says where):
 *   adds a budget, e.g. `{"metadata":{"name":"hold","namespace":"shop"},"spec":{"maxUnavailable":0,
 *   "selector":{"matchLabels":{"app":"frontend"}}}}` to forbid evicting the frontend pods.
 */
export function registerKubeAdminRoutes(
  app: FastifyInstance,
  cloud: SimCloud,
  kubernetesUrls: (request: FastifyRequest) => { url: string; tlsUrl: string },
  caPem: () => string,
): void {
  type Scoped = { Querystring: { project?: string } };

  app.get<Scoped>('/_sim/kubernetes', async (request, reply) =>
    withCluster(cloud, request.query.project, reply, (cluster) => {
      const { url, tlsUrl } = kubernetesUrls(request);
      return reply.send({
        url: `${url}/${cluster.projectId}`,
        token: cluster.token,
        tlsUrl: `${tlsUrl}/${cluster.projectId}`,
        caPem: caPem(),
      });
    }),
  );

  app.get<Scoped>('/_sim/kubernetes/stats', async (request, reply) => {
    const { project } = request.query;
    if (project !== undefined) return withCluster(cloud, project, reply, (cluster) => reply.send(cluster.stats()));
    const projects = Object.fromEntries(cloud.projectIds().map((id) => [id, cloud.cluster(id)?.stats()]));
    return reply.send({ projects });
  });

  app.post<Scoped>('/_sim/kubernetes/pdbs', async (request, reply) =>
    withCluster(cloud, request.query.project, reply, (cluster) => {
      const namespace = (request.body as { metadata?: { namespace?: unknown } } | null)?.metadata?.namespace;
      if (typeof namespace !== 'string') return reply.code(400).send({ error: 'metadata.namespace is required' });
      const parsed = parsePdb(request.body, namespace);
      if (typeof parsed === 'string') return reply.code(400).send({ error: parsed });
      if (!cluster.addPdb(parsed))
        return reply.code(409).send({ error: `poddisruptionbudget ${namespace}/${parsed.name} exists` });
      return reply.code(201).send(cluster.pdbStates(namespace).find((s) => s.pdb.name === parsed.name));
    }),
  );
}

/** Hands the cluster of `project` (or of the only project) to `then`. */
function withCluster(
  cloud: SimCloud,
  project: string | undefined,
  reply: FastifyReply,
  then: (cluster: KubeCluster) => FastifyReply,
): FastifyReply {
  const ids = cloud.projectIds();
  const id = project ?? (ids.length === 1 ? ids[0] : undefined);
  if (id === undefined)
    return reply.code(400).send({ error: `${ids.length} projects are simulated: add ?project=<id>` });
  const cluster = cloud.cluster(id);
  return cluster ? then(cluster) : reply.code(404).send({ error: `unknown project ${id}` });
}
