import type { ApiSchema } from '../api-schemas';
import type { CommandContext } from '../command-context';

/**
 * `oshift nodes`: every VM of the cluster with its Nova status, and on a cluster connected to its Kubernetes API
 * whether its node is Ready and schedulable (`-`: the VM is no node of the cluster, or the API did not answer).
 */
export async function nodesCommand(context: CommandContext): Promise<void> {
  const answer = await (await context.api()).get(`${context.clusterPath()}/nodestatus`);
  if (context.forScripts) return context.raw(answer.text);
  // `ready`/`schedulable` only on a cluster connected to its Kubernetes API.
  const nodes = JSON.parse(answer.text) as ApiSchema<'NodeStatus'>[];
  const connected = nodes.some((node) => 'ready' in node);
  context.out.table(
    connected ? ['NAME', 'STATUS', 'READY', 'SCHEDULABLE'] : ['NAME', 'STATUS'],
    nodes.map((node) =>
      connected
        ? [node.nodename, node.status, yesNo(node.ready), yesNo(node.schedulable)]
        : [node.nodename, node.status],
    ),
    1,
  );
}

function yesNo(value: boolean | null | undefined): string {
  return value === true ? 'yes' : value === false ? 'no' : '-';
}
