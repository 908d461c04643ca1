import type { ClusterNode } from './cluster-api';

/**
 * Which node a server is: the node named as the server, else the one whose `kubernetes.io/hostname` label is the
 * server's name, else (when the cluster has a pattern) the one named as the pattern makes of the server's name:
 * `{name}` stands for the server's name, `{short}` for it up to its first dot. Names compare as Kubernetes
 * stores them, in lower case. Null when no node matches.
 */
export function matchNode(serverName: string, nodes: ClusterNode[], pattern?: string | null): ClusterNode | null {
  const server = serverName.toLowerCase();
  const byName = nodes.find((node) => node.name === server);
  if (byName) return byName;
  const byHostname = nodes.find((node) => node.hostname?.toLowerCase() === server);
  if (byHostname) return byHostname;
  if (!pattern) return null;
  const expected = nodeNameFor(server, pattern);
  return nodes.find((node) => node.name === expected) ?? null;
}

/** The node name a pattern makes of a server's name. */
export function nodeNameFor(serverName: string, pattern: string): string {
  const server = serverName.toLowerCase();
  const short = server.split('.', 1)[0];
  return pattern.replace(/\{name\}/g, server).replace(/\{short\}/g, short);
}
