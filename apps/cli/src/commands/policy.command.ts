import type { ApiSchema } from '../api-schemas';
import type { CommandContext } from '../command-context';

/**
 * `oshift policy`: the cluster's reboot rules: maintenance windows and their next openings, limits, cooldown, settle
 * times, draining and the number of masters.
 */
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
  const perRole = <T>(values: Record<string, T>, say: (value: T) => string) =>
    Object.entries(values)
      .map(([role, value]) => `${role} ${say(value)}`)
      .join(', ');
  context.out.line(`at most at once: ${perRole(policy.max_parallel, String)}`);
  // How the cluster's health holds reboots back (the drain and Ready only on a cluster connected to its API).
  context.out.line(`settle after a reboot: ${perRole(policy.settle_seconds, (seconds) => `${seconds} s`)}`);
  context.out.line(`drain first: ${perRole(policy.drain, (drain) => (drain ? 'yes' : 'no'))}`);
  context.out.line(`drain timeout: ${policy.drain_timeout_seconds} s`);
  context.out.line(`masters: ${policy.masters}`);
  if (policy.openings.length > 0) {
    context.out.table(
      ['OPENS', 'CLOSES'],
      policy.openings.map((opening) => [opening.opens, opening.closes]),
    );
  }
}
