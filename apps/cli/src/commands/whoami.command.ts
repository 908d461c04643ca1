import type { ApiSchema } from '../api-schemas';
import type { CommandContext } from '../command-context';

/** `oshift whoami`: the caller and the clusters it may see, with its roles on each. */
export async function whoamiCommand(context: CommandContext): Promise<void> {
  const answer = await (await context.api()).get('/api/me');
  if (context.forScripts) return context.raw(answer.text);
  const me = JSON.parse(answer.text) as ApiSchema<'Me'>;
  context.out.line(`user: ${me.user}`);
  context.out.table(
    ['CLUSTER', 'ROLES'],
    me.clusters.map((cluster) => [cluster.id, cluster.roles.join(',')]),
  );
}
