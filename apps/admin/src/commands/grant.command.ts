import { isRole } from '@oshift/access';
import type { AdminContext } from '../admin.context';
import { UsageError } from '../usage.error';
import type { AdminCommand } from './admin-command';
import { expectPositionals, parseCommandLine } from './command-line';

const USAGE = 'grant <user> <cluster> <read|reboot>';

/** `grant`: gives a user a role on a cluster; granting a role held already changes nothing. */
export class GrantCommand implements AdminCommand {
  readonly name = 'grant';
  readonly usage = [USAGE];

  async run(args: string[], context: AdminContext): Promise<void> {
    const { positionals } = parseCommandLine(args, {}, USAGE);
    const [username, clusterId, role] = expectPositionals(positionals, 3, 3, USAGE);
    if (!isRole(role)) throw new UsageError('the role is read or reboot', USAGE);
    await (await context.accessAdmin()).grant(username, clusterId, role, context.config.actor);
    context.print(`${username} holds ${role} on ${clusterId}`);
  }
}
