import { AccessAdminError } from '@oshift/access';
import { ConfigError } from '@oshift/config';
import { ClusterAdminError, ClusterSecretError } from '@oshift/node-registry';
import type { AdminConfig } from './admin.config';
import { AdminContext, type AdminIo } from './admin.context';
import { CommandError } from './command.error';
import type { AdminCommand } from './commands/admin-command';
import { AuditCommand } from './commands/audit.command';
import { ClusterCommand } from './commands/cluster.command';
import { GrantCommand } from './commands/grant.command';
import { HelpCommand } from './commands/help.command';
import { MigrateCommand } from './commands/migrate.command';
import { RevokeCommand } from './commands/revoke.command';
import { UserCommand } from './commands/user.command';
import { UsageError } from './usage.error';

const EXPECTED = [AccessAdminError, ClusterAdminError, ClusterSecretError, ConfigError, CommandError];
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

/** The operator CLI: runs one command and answers its exit status (0 done, 1 failed, 2 usage error). */
export class AdminCli {
  private readonly commands: AdminCommand[] = [
    new MigrateCommand(),
    new UserCommand(),
    new GrantCommand(),
    new RevokeCommand(),
    new ClusterCommand(),
    new AuditCommand(),
    new HelpCommand(() => this.commands),
  ];

  constructor(
    private readonly io: AdminIo,
    private readonly loadConfig: () => AdminConfig,
  ) {}

  async run(argv: string[]): Promise<number> {
    const context = new AdminContext(this.io, this.loadConfig);
    try {
      const [name, ...args] = argv;
      if (!name) throw new UsageError('missing command');
      const command =
        this.commands.find((candidate) => candidate.name === name) ??
        (['--help', '-h'].includes(name) ? this.help : undefined);
      if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
      await command.run(args, context);
      return 0;
    } catch (error) {
      this.io.stderr.write(`${describe(error)}\n`);
      return error instanceof UsageError ? 2 : 1;
    } finally {
      await context.close();
    }
  }

  private get help(): AdminCommand {
    return this.commands.find((command) => command.name === 'help')!;
  }
}

/** One line for stderr: no stack trace, no connection string credentials. */
function describe(error: unknown): string {
  if (error instanceof UsageError) return `usage error: ${error.message}`;
  const message = error instanceof Error ? oneLine(error.message) : 'unexpected failure';
  if (EXPECTED.some((type) => error instanceof type)) return `error: ${message}`;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return `error: cannot reach the database (${message})`;
  return `error: ${message}`;
}

function oneLine(message: string): string {
  return (message.split('\n')[0] || 'unexpected failure').replace(/\/\/[^/@\s]*@/g, '//***@');
}
