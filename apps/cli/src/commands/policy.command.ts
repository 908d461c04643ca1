import type { ApiSchema } from '../api-schemas';
import type { CommandContext } from '../command-context';

/** `oshift policy`: the cluster's reboot rules: maintenance windows and their next openings, limits, cooldown. */
export async function policyCommand(context: CommandContext): Promise<void> {
  const answer = await (await context.api()).get(`${context.clusterPath()}/policy`);
  if (context.forScripts) return context.raw(answer.text);
  const policy = JSON.parse(answer.text) as ApiSchema<'ClusterPolicy'>;
  if (policy.windows.length === 0) {
    context.out.line('maintenance windows: none (reboots may start any time)');
  } else {
    context.out.line(`maintenance windows: ${policy.windows.join('; ')}`);
    context.out.line(`open now: ${policy.open_now ? 'yes' : 'no'}`);
    context.out.line(
      `override: ${policy.window_override_allowed ? 'allowed, with a reason (override_window)' : 'not allowed'}`,
    );
  }
  context.out.line(`cooldown: ${policy.cooldown_seconds} s`);
  const limits = Object.entries(policy.max_parallel).map(([role, count]) => `${role} ${count}`);
  context.out.line(`at most at once: ${limits.join(', ')}`);
  if (policy.openings.length > 0) {
    context.out.table(
      ['OPENS', 'CLOSES'],
      policy.openings.map((opening) => [opening.opens, opening.closes]),
    );
  }
}
