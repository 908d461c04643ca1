import { InvalidArgumentError } from 'commander';
import { type ClusterGrant, isRole } from '@oshift/access';
import { formatTable } from '../table.format';
import { type CommandRegistration, outputOption, type OutputOptions } from './admin-command';

/** `user add|passwd|disable|enable|remove|list`: API users. Passwords come from stdin, never from arguments. */
export const userCommands: CommandRegistration = (program, run) => {
  const user = program.command('user').description('API users (passwords are read from stdin or a prompt)');

  user
    .command('add')
    .description('add a user; the password is read from stdin (first line) or a prompt without echo')
    .argument('<name>', 'username')
    .option('--grant <cluster:role>', 'also grant a role (read|reboot) on a cluster; repeatable', collectGrant, [])
    .action(
      run(async (context, username: string, options: { grant: ClusterGrant[] }) => {
        const password = await context.secrets.read('Password', { confirm: true });
        const access = await context.accessAdmin();
        await access.addUser(username, password, context.config.actor, options.grant);
        const granted = options.grant.map((grant) => `${grant.clusterId}:${grant.role}`).join(', ');
        context.print(`added user ${username}${granted ? ` with ${granted}` : ''}`);
      }),
    );

  user
    .command('passwd')
    .description("change a user's password (read from stdin or a prompt)")
    .argument('<name>', 'username')
    .action(
      run(async (context, username: string) => {
        const password = await context.secrets.read('New password', { confirm: true });
        await (await context.accessAdmin()).setPassword(username, password, context.config.actor);
        context.print(`changed the password of ${username}`);
      }),
    );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(name)
      .description(disabled ? 'refuse the user from now on (grants are kept)' : 'let a disabled user in again')
      .argument('<name>', 'username')
      .action(
        run(async (context, username: string) => {
          await (await context.accessAdmin()).setDisabled(username, disabled, context.config.actor);
          context.print(`user ${username} ${name}d`);
        }),
      );
  }

  user
    .command('remove')
    .description('remove a user and their grants (the audit trail keeps what they did)')
    .argument('<name>', 'username')
    .action(
      run(async (context, username: string) => {
        await (await context.accessAdmin()).removeUser(username, context.config.actor);
        context.print(`user ${username} removed`);
      }),
    );

  user
    .command('list')
    .description('every user with status and grants')
    .addOption(outputOption())
    .action(
      run(async (context, options: OutputOptions) => {
        const users = await (await context.accessAdmin()).listUsers();
        if (options.output === 'json') return context.printJson(users);
        context.print(
          formatTable(
            ['USER', 'STATUS', 'GRANTS'],
            users.map((entry) => [
              entry.username,
              entry.disabled ? 'disabled' : 'enabled',
              entry.grants.map((grant) => `${grant.clusterId}:${grant.role}`).join(','),
            ]),
          ),
        );
      }),
    );
};

function collectGrant(text: string, grants: ClusterGrant[]): ClusterGrant[] {
  const colon = text.lastIndexOf(':');
  const [clusterId, role] = [text.slice(0, colon), text.slice(colon + 1)];
  if (colon <= 0 || !isRole(role)) throw new InvalidArgumentError('takes <cluster>:<read|reboot>');
  return [...grants, { clusterId, role }];
}
