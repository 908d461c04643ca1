import { type ClusterGrant, isRole } from '@oshift/access';
import type { AdminContext } from '../admin.context';
import { formatTable } from '../table.format';
import { UsageError } from '../usage.error';
import type { AdminCommand } from './admin-command';
import { expectPositionals, parseCommandLine } from './command-line';

const USAGE = {
  add: 'user add <name> [--grant <cluster>:<read|reboot>]...',
  passwd: 'user passwd <name>',
  disable: 'user disable <name>',
  enable: 'user enable <name>',
  list: 'user list [--json]',
} as const;

/** `user add|passwd|disable|enable|list`: API users. Passwords come from stdin, never from arguments. */
export class UserCommand implements AdminCommand {
  readonly name = 'user';
  readonly usage = Object.values(USAGE);

  async run(args: string[], context: AdminContext): Promise<void> {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'add':
        return this.add(rest, context);
      case 'passwd':
        return this.passwd(rest, context);
      case 'disable':
      case 'enable':
        return this.setDisabled(sub, rest, context);
      case 'list':
        return this.list(rest, context);
      default:
        throw new UsageError(
          sub ? `unknown user command ${JSON.stringify(sub)}` : 'missing user command',
          this.usage.join(' | '),
        );
    }
  }

  private async add(args: string[], context: AdminContext): Promise<void> {
    const { values, positionals } = parseCommandLine(args, { grant: { type: 'string', multiple: true } }, USAGE.add);
    const [username] = expectPositionals(positionals, 1, 1, USAGE.add);
    const grants = (values.grant ?? []).map((text) => parseGrant(text));
    const password = await context.secrets.read('Password', { confirm: true });
    const access = await context.accessAdmin();
    await access.addUser(username, password, context.config.actor, grants);
    const granted = grants.map((grant) => `${grant.clusterId}:${grant.role}`).join(', ');
    context.print(`added user ${username}${granted ? ` with ${granted}` : ''}`);
  }

  private async passwd(args: string[], context: AdminContext): Promise<void> {
    const { positionals } = parseCommandLine(args, {}, USAGE.passwd);
    const [username] = expectPositionals(positionals, 1, 1, USAGE.passwd);
    const password = await context.secrets.read('New password', { confirm: true });
    await (await context.accessAdmin()).setPassword(username, password, context.config.actor);
    context.print(`changed the password of ${username}`);
  }

  private async setDisabled(sub: 'disable' | 'enable', args: string[], context: AdminContext): Promise<void> {
    const { positionals } = parseCommandLine(args, {}, USAGE[sub]);
    const [username] = expectPositionals(positionals, 1, 1, USAGE[sub]);
    await (await context.accessAdmin()).setDisabled(username, sub === 'disable', context.config.actor);
    context.print(`user ${username} ${sub}d`);
  }

  private async list(args: string[], context: AdminContext): Promise<void> {
    const { values, positionals } = parseCommandLine(args, { json: { type: 'boolean' } }, USAGE.list);
    expectPositionals(positionals, 0, 0, USAGE.list);
    const users = await (await context.accessAdmin()).listUsers();
    if (values.json) return context.printJson(users);
    context.print(
      formatTable(
        ['USER', 'STATUS', 'GRANTS'],
        users.map((user) => [
          user.username,
          user.disabled ? 'disabled' : 'enabled',
          user.grants.map((grant) => `${grant.clusterId}:${grant.role}`).join(','),
        ]),
      ),
    );
  }
}

function parseGrant(text: string): ClusterGrant {
  const colon = text.lastIndexOf(':');
  const [clusterId, role] = [text.slice(0, colon), text.slice(colon + 1)];
  if (colon <= 0 || !isRole(role)) throw new UsageError(`--grant takes <cluster>:<read|reboot>`, USAGE.add);
  return { clusterId, role };
}
