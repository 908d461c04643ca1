import type { AdminContext } from '../admin.context';
import type { AdminCommand } from './admin-command';

const ENVIRONMENT = [
  'Environment:',
  '  DATABASE_URL        postgres:// URL of the service database (required)',
  '  CLUSTER_SECRET_KEY  32 bytes, base64: encrypts secrets given with --secret-stdin',
  '  ADMIN_ACTOR         who the audit trail names for your changes (default operator:<os user>)',
  '',
  'Passwords and secrets are read from stdin (the first line when piped, a prompt without echo on a',
  'terminal), never from arguments. Exit status: 0 done, 1 refused or failed, 2 usage error.',
];

/** `help`: every command's usage. */
export class HelpCommand implements AdminCommand {
  readonly name = 'help';
  readonly usage = ['help'];

  constructor(private readonly commands: () => readonly AdminCommand[]) {}

  async run(_args: string[], context: AdminContext): Promise<void> {
    const lines = this.commands().flatMap((command) => command.usage.map((usage) => `  admin ${usage}`));
    context.print(
      'Operator CLI of the OpenShift self-service API (npm run admin -- <command> …)',
      '',
      'Commands:',
      ...lines,
      '',
      ...ENVIRONMENT,
    );
  }
}
