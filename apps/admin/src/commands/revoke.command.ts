import { isRole } from '@oshift/access';
import type { AdminContext } from '../admin.context';
import { UsageError } from '../usage.error';
import type { AdminCommand } from './admin-command';
import { expectPositionals, parseCommandLine } from './command-line';

const USAGE = 'revoke <user> <cluster> [read|reboot]';

/** `revoke`: takes one role, or every role, of a user on a cluster. */
export class RevokeCommand implements AdminCommand {
  readonly name = 'revoke';
  readonly usage = [USAGE];

  async run(args: string[], context: AdminContext): Promise<void> {
    const { positionals } = parseCommandLine(args, {}, USAGE);
    const [username, clusterId, role] = expectPositionals(positionals, 2, 3, USAGE);
    if (role !== undefined && !isRole(role)) throw new UsageError('the role is read or reboot', USAGE);
    await (await context.accessAdmin()).revoke(username, clusterId, role, context.config.actor);
    context.print(`${username} holds ${role ? `no ${role} role` : 'no role'} on ${clusterId}`);
  }
}
