import { clusterConnectionOf, type ClusterNode, matchNode } from '@oshift/cluster-api';
import {
  type ClusterEntity,
  clusterKubeTokenBinding,
  clusterSecretBinding,
  ClusterSecrets,
  naturalCompare,
  OpenStackClients,
} from '@oshift/node-registry';
import type { AdminContext } from '../admin.context';
import { CommandError } from '../command.error';

/** Each call gets this long, and one attempt: a check says at once what fails. */
const CHECK_TIMEOUT_MS = 10000;

/**
 * `cluster check <id>`: resolves the cluster's secret as the gateway and workers would (this process's
 * environment for `env:` references), authenticates to Keystone and lists the servers with Nova; on a cluster
 * connected to its Kubernetes API, then asks that API its version and its nodes, and matches the servers to them.
 */
export async function checkCluster(context: AdminContext, id: string): Promise<void> {
  const { cluster, servers } = await listClusterServers(context, id);
  const byStatus = new Map<string, number>();
  for (const server of servers) byStatus.set(server.status, (byStatus.get(server.status) ?? 0) + 1);
  const statuses = [...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([status, count]) => `${count} ${status}`);
  context.print(
    `cluster ${id}: authenticated at ${cluster.authUrl}; Nova lists ${servers.length} server(s)` +
      (statuses.length > 0 ? `: ${statuses.join(', ')}` : ''),
  );
  if (cluster.kubeApiUrl) await checkKubernetes(context, cluster, servers);
}

/** Proves the Kubernetes connection: version, nodes listed, servers matched to nodes (and what was not). */
async function checkKubernetes(
  context: AdminContext,
  cluster: ClusterEntity,
  servers: readonly { name: string }[],
): Promise<void> {
  const id = cluster.id;
  const secrets = new ClusterSecrets(context.config.secrets);
  try {
    secrets.resolve(cluster.kubeTokenRef ?? '', clusterKubeTokenBinding(id));
  } catch (error) {
    throw new CommandError(`cluster ${id}: cannot read its Kubernetes token (${reason(error)})`);
  }
  const connection = clusterConnectionOf(cluster, { secrets, timeoutMs: CHECK_TIMEOUT_MS });
  if (!connection) return;
  let version: string;
  let nodes: ClusterNode[];
  try {
    version = await connection.api.version();
    nodes = await connection.api.nodes();
  } catch (error) {
    throw new CommandError(`cluster ${id}: ${reason(error)} (Kubernetes API ${cluster.kubeApiUrl})`);
  }
  const ready = nodes.filter((node) => node.ready).length;
  const cordoned = nodes.filter((node) => node.unschedulable).length;
  const matched = new Map(
    servers.map((server) => [server.name, matchNode(server.name, nodes, connection.nodePattern)]),
  );
  const unmatched = [...matched].filter(([, node]) => !node).map(([name]) => name);
  const matchedNodes = new Set([...matched.values()].map((node) => node?.name));
  const serverless = nodes.filter((node) => !matchedNodes.has(node.name)).map((node) => node.name);
  context.print(
    `cluster ${id}: Kubernetes ${version} at ${cluster.kubeApiUrl}; ${nodes.length} node(s): ` +
      `${ready} Ready, ${cordoned} cordoned`,
    `cluster ${id}: ${servers.length - unmatched.length} of ${servers.length} server(s) matched to a node` +
      (unmatched.length > 0 ? `; no node for: ${unmatched.sort(naturalCompare).join(', ')}` : '') +
      (serverless.length > 0 ? `; no server for node(s): ${serverless.sort(naturalCompare).join(', ')}` : ''),
  );
}

/**
 * The cluster's servers as Nova lists them now, reached as the gateway and workers would reach them; a
 * {@link CommandError} saying what failed (unknown cluster, unreadable secret, Keystone or Nova).
 */
export async function listClusterServers(context: AdminContext, id: string) {
  const cluster = (await (await context.clusterAdmin()).list()).find((entry) => entry.id === id);
  if (!cluster) throw new CommandError(`unknown cluster ${id}`);
  const secrets = new ClusterSecrets(context.config.secrets);
  try {
    secrets.resolve(cluster.secretRef, clusterSecretBinding(cluster.id));
  } catch (error) {
    throw new CommandError(`cluster ${id}: cannot read its secret (${reason(error)})`);
  }
  const clients = new OpenStackClients({ secrets, openstack: { timeoutMs: CHECK_TIMEOUT_MS, retries: 0 } });
  try {
    return { cluster, servers: await clients.forCluster(cluster).listServers() };
  } catch (error) {
    throw new CommandError(`cluster ${id}: ${reason(error)} (Keystone ${cluster.authUrl})`);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
