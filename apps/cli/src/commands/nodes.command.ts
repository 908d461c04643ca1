import type { CommandContext } from '../command-context';

/** `oshift nodes`: every VM of the cluster with its Nova status. */
export async function nodesCommand(context: CommandContext): Promise<void> {
  const answer = await (await context.api()).get(`${context.clusterPath()}/nodestatus`);
  if (context.json) return context.raw(answer.text);
  const nodes = JSON.parse(answer.text) as { nodename: string; status: string }[];
  context.out.table(
    ['NAME', 'STATUS'],
    nodes.map((node) => [node.nodename, node.status]),
    1,
  );
}
