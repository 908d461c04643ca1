import { Argument } from 'commander';
import { Roles, type Role } from '@oshift/access';
import type { CommandRegistration } from './admin-command';

/** `grant` and `revoke`: a user's roles on a cluster. */
export const grantCommands: CommandRegistration = (program, run) => {
  program
    .command('grant')
    .description('give a user a role on a cluster (granting a role held already changes nothing)')
    .argument('<user>', 'username')
    .argument('<cluster>', 'cluster id')
    .addArgument(new Argument('<role>', 'read: see nodes and jobs; reboot: also reboot').choices(Roles))
    .action(
      run(async (context, username: string, clusterId: string, role: Role) => {
        await (await context.accessAdmin()).grant(username, clusterId, role, context.config.actor);
        context.print(`${username} holds ${role} on ${clusterId}`);
      }),
    );

  program
    .command('revoke')
    .description('take one role, or every role, of a user on a cluster')
    .argument('<user>', 'username')
    .argument('<cluster>', 'cluster id')
    .addArgument(new Argument('[role]', 'the role to take; all roles when left out').choices(Roles))
    .action(
      run(async (context, username: string, clusterId: string, role: Role | undefined) => {
        await (await context.accessAdmin()).revoke(username, clusterId, role, context.config.actor);
        context.print(`${username} holds ${role ? `no ${role} role` : 'no role'} on ${clusterId}`);
      }),
    );
};
