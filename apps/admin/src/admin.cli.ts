import { Command, CommanderError } from 'commander';
import { AccessAdminError } from '@oshift/access';
import { ConfigError } from '@oshift/config';
import { ClusterPolicyError, InvalidRebootPolicyError } from '@oshift/jobs';
import { ClusterAdminError, ClusterSecretError } from '@oshift/node-registry';
import { WebhookAdminError } from '@oshift/webhooks';
import type { AdminConfig } from './admin.config';
import { AdminContext, type AdminIo } from './admin.context';
import { CommandError } from './command.error';
import type { ActionRunner, CommandRegistration } from './commands/admin-command';
import { auditCommand } from './commands/audit.command';
import { clusterCommands } from './commands/cluster.command';
import { grantCommands } from './commands/grant.command';
import { migrateCommand } from './commands/migrate.command';
import { pruneCommand } from './commands/prune.command';
import { secretsCommand } from './commands/secrets.command';
import { userCommands } from './commands/user.command';
import { webhookCommands } from './commands/webhook.command';
import { UsageError } from './usage.error';

/** The commands, in the order `admin help` lists them: one registration per command file. */
const COMMANDS: readonly CommandRegistration[] = [
  migrateCommand,
  userCommands,
  grantCommands,
  clusterCommands,
  auditCommand,
  pruneCommand,
  webhookCommands,
  secretsCommand,
];

const ENVIRONMENT = `
Environment:
  DATABASE_URL        postgres:// URL of the service database (required)
  REDIS_URL           Redis of the deployment: access changes reach the gateways at once (else within
                      their CREDENTIAL_CACHE_TTL_SECONDS)
  REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD, REDIS_PASSWORD, REDIS_CLUSTER_NODES
                      the same Redis through Sentinel or a Cluster, instead of REDIS_URL (as on the
                      gateways and workers)
  REDIS_PREFIX        key prefix of the deployment (default oshift)
  CLUSTER_SECRET_KEY  32 bytes, base64: seals secrets given with --secret-stdin and webhook signing
                      secrets (each bound to its row), opens them for check, webhook test and
                      secrets reseal
  CLUSTER_SECRET_KEY_PREVIOUS  the key before a rotation: still opens, until secrets reseal
  SEALED_SECRETS_REQUIRE_BOUND  true: refuse unbound enc:v1 secrets (after secrets reseal)
  WEBHOOK_ALLOW_LOOPBACK  true: webhooks may go to loopback addresses, http:// included (demos, tests)
  WEBHOOK_ALLOW_CIDRS comma-separated CIDRs where internal webhook receivers may be (https:// only)
  CLUSTER_SECRET_ENV_PREFIX, CLUSTER_SECRET_DIR
                      where check may read env: and file: secrets, as on the gateways and workers
                      (default OSHIFT_SECRET_ and /run/secrets)
  ADMIN_ACTOR         who the audit trail names for your changes (default operator:<os user>)

Passwords and secrets are read from stdin (the first line when piped, a prompt without echo on a
terminal), never from arguments. Exit status: 0 done, 1 refused or failed, 2 usage error.`;

const EXPECTED = [
  AccessAdminError,
  ClusterAdminError,
  ClusterSecretError,
  ClusterPolicyError,
  ConfigError,
  InvalidRebootPolicyError,
  CommandError,
  WebhookAdminError,
];
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

/** The operator CLI: runs one command and answers its exit status (0 done, 1 failed, 2 usage error). */
export class AdminCli {
  constructor(
    private readonly io: AdminIo,
    private readonly loadConfig: () => AdminConfig,
  ) {}

  async run(argv: string[]): Promise<number> {
    const context = new AdminContext(this.io, this.loadConfig);
    const program = this.program(context);
    try {
      if (argv.length === 0) throw new UsageError('missing command');
      await program.parseAsync(argv, { from: 'user' });
      return 0;
    } catch (error) {
      // Commander has written help (exit code 0) or the usage error already.
      if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
      this.io.stderr.write(`${describe(error)}\n`);
      return error instanceof UsageError ? 2 : 1;
    } finally {
      await context.close();
    }
  }

  /** Every command with its help (`--help` anywhere, or `help <command>`); mistakes become one usage line. */
  private program(context: AdminContext): Command {
    const program = new Command('admin')
      .description('Operator CLI of the OpenShift self-service API (npm run admin -- <command> …)')
      .exitOverride()
      .configureOutput({
        writeOut: (text) => this.io.stdout.write(text),
        writeErr: (text) => this.io.stderr.write(text),
        outputError: (text, write) =>
          write(`usage error: ${oneLine(text.replace(/^error: /, ''))}; see: admin --help\n`),
      })
      .addHelpText('after', ENVIRONMENT);
    const run: ActionRunner =
      (work) =>
      (...args) =>
        work(context, ...args);
    for (const register of COMMANDS) register(program, run);
    return program;
  }
}

/** One line for stderr: no stack trace, no connection string credentials. */
function describe(error: unknown): string {
  if (error instanceof UsageError) return `usage error: ${error.message}`;
  // Duck-typed: an error raised by Node's own sockets is not an `Error` of this realm when the CLI runs inside Jest.
  const text = (error as { message?: unknown } | null)?.message;
  const message = typeof text === 'string' ? oneLine(text.split('\n')[0]) : 'unexpected failure';
  if (EXPECTED.some((type) => error instanceof type)) return `error: ${message}`;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return `error: cannot reach the database (${message})`;
  return `error: ${message}`;
}

function oneLine(message: string): string {
  const line = message.trim().split('\n').filter(Boolean).join(' ') || 'unexpected failure';
  return line.replace(/\/\/[^/@\s]*@/g, '//***@');
}
