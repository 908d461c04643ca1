import type { ClusterNode } from './cluster-api';
import { ClusterApiUnavailableError } from './cluster-api.errors';
import type { ClusterApis } from './cluster-apis';
import { matchNode } from './match-node';

/**
 * A cluster's nodes as the reboot rules ask for them: null when the cluster is not connected (the rules judge from
 * Nova and settle times alone), `{ problem }` when its API cannot be read now (never judged blind), else each
 * server's Kubernetes node (`match`, null when none matches it).
 */
export type ClusterReadiness = null | { problem: string } | { match: (serverName: string) => ClusterNode | null };

/** Reads a cluster's nodes once for a reboot decision (see {@link ClusterReadiness}). */
export async function clusterReadiness(
  apis: Pick<ClusterApis, 'connection'>,
  clusterId: string,
): Promise<ClusterReadiness> {
  const connection = await apis.connection(clusterId);
  if (!connection) return null;
  try {
    const nodes = await connection.api.nodes();
    return { match: (serverName) => matchNode(serverName, nodes, connection.nodePattern) };
  } catch (error) {
    if (error instanceof ClusterApiUnavailableError) return { problem: error.message };
    throw error;
  }
}
