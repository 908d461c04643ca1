import { migrate } from '@oshift/persistence';
import type { CommandRegistration } from './admin-command';

/** `migrate`: applies pending schema migrations. */
export const migrateCommand: CommandRegistration = (program, run) => {
  program
    .command('migrate')
    .description('apply pending schema migrations (once per release, before the new gateways and workers start)')
    .action(
      run(async (context) => {
        const ran = await migrate({ url: context.config.database.url });
        context.print(...(ran.length > 0 ? ran.map((name) => `applied ${name}`) : ['schema is up to date']));
      }),
    );
};
