import { migrate } from '@oshift/persistence';
import type { AdminContext } from '../admin.context';
import type { AdminCommand } from './admin-command';
import { expectPositionals, parseCommandLine } from './command-line';

/** `migrate`: applies pending schema migrations. */
export class MigrateCommand implements AdminCommand {
  readonly name = 'migrate';
  readonly usage = ['migrate'];

  async run(args: string[], context: AdminContext): Promise<void> {
    const { positionals } = parseCommandLine(args, {}, this.usage[0]);
    expectPositionals(positionals, 0, 0, this.usage[0]);
    const ran = await migrate({ url: context.config.database.url });
    context.print(...(ran.length > 0 ? ran.map((name) => `applied ${name}`) : ['schema is up to date']));
  }
}
