import { ClusterSecrets, type ClusterEntity, type ClusterSpec, secretRefScheme } from '@oshift/node-registry';
import type { AdminContext } from '../admin.context';
import { CommandError } from '../command.error';
import { formatTable } from '../table.format';
import { UsageError } from '../usage.error';
import type { AdminCommand } from './admin-command';
import { expectPositionals, parseCommandLine } from './command-line';

const SETTINGS =
  '--auth-url URL [--region R] [--interface public|internal] [--project-id ID | --project-name NAME --project-domain D]' +
  ' [--username U --user-domain D | --app-credential-id ID] (--secret-ref env:VAR|file:/path | --secret-stdin)';
const USAGE = {
  add: `cluster add <id> ${SETTINGS}`,
  update: `cluster update <id> ${SETTINGS}`,
  remove: 'cluster remove <id>',
  list: 'cluster list [--json]',
} as const;

const SPEC_OPTIONS = {
  'auth-url': { type: 'string' },
  region: { type: 'string' },
  interface: { type: 'string' },
  'project-id': { type: 'string' },
  'project-name': { type: 'string' },
  'project-domain': { type: 'string' },
  username: { type: 'string' },
  'user-domain': { type: 'string' },
  'app-credential-id': { type: 'string' },
  'secret-ref': { type: 'string' },
  'secret-stdin': { type: 'boolean' },
} as const;

/** `cluster add|update|remove|list`: the clusters the API serves and how to reach their OpenStack. */
export class ClusterCommand implements AdminCommand {
  readonly name = 'cluster';
  readonly usage = Object.values(USAGE);

  async run(args: string[], context: AdminContext): Promise<void> {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'add':
      case 'update':
        return this.upsert(sub, rest, context);
      case 'remove':
        return this.remove(rest, context);
      case 'list':
        return this.list(rest, context);
      default:
        throw new UsageError(
          sub ? `unknown cluster command ${JSON.stringify(sub)}` : 'missing cluster command',
          'cluster add|update|remove|list …',
        );
    }
  }

  private async upsert(sub: 'add' | 'update', args: string[], context: AdminContext): Promise<void> {
    const usage = USAGE[sub];
    const { values, positionals } = parseCommandLine(args, SPEC_OPTIONS, usage);
    const [id] = expectPositionals(positionals, 1, 1, usage);
    if (!values['auth-url']) throw new UsageError('--auth-url is required', usage);
    if (!!values['secret-ref'] === !!values['secret-stdin'])
      throw new UsageError('give --secret-ref or --secret-stdin', usage);
    if (values['project-id'] && values['project-name'])
      throw new UsageError('give --project-id or --project-name, not both', usage);
    const iface = values.interface ?? 'public';
    if (iface !== 'public' && iface !== 'internal' && iface !== 'admin')
      throw new UsageError('--interface is public or internal', usage);

    const spec: ClusterSpec = {
      id,
      authUrl: values['auth-url'],
      region: values.region,
      interface: iface,
      projectId: values['project-id'],
      projectName: values['project-name'],
      projectDomain: values['project-domain'],
      username: values.username,
      userDomain: values['user-domain'],
      applicationCredentialId: values['app-credential-id'],
      secretRef: values['secret-ref'] ?? (await this.encryptedSecret(context)),
    };
    const clusters = await context.clusterAdmin();
    const outcome = await clusters.upsert(spec, context.config.actor, { expect: sub === 'add' ? 'create' : 'update' });
    context.print(`cluster ${id} ${outcome} (secret: ${secretRefScheme(spec.secretRef)})`);
  }

  /** Reads the OpenStack secret from stdin and seals it under CLUSTER_SECRET_KEY. */
  private async encryptedSecret(context: AdminContext): Promise<string> {
    const key = context.config.clusterSecretKey;
    if (!key)
      throw new CommandError('--secret-stdin needs CLUSTER_SECRET_KEY (32 bytes, base64) to encrypt the secret');
    const secret = await context.secrets.read('OpenStack secret');
    return new ClusterSecrets({ env: {}, encryptionKey: key }).encrypt(secret);
  }

  private async remove(args: string[], context: AdminContext): Promise<void> {
    const { positionals } = parseCommandLine(args, {}, USAGE.remove);
    const [id] = expectPositionals(positionals, 1, 1, USAGE.remove);
    await (await context.clusterAdmin()).remove(id, context.config.actor);
    context.print(`cluster ${id} removed`);
  }

  private async list(args: string[], context: AdminContext): Promise<void> {
    const { values, positionals } = parseCommandLine(args, { json: { type: 'boolean' } }, USAGE.list);
    expectPositionals(positionals, 0, 0, USAGE.list);
    const clusters = (await (await context.clusterAdmin()).list()).map(describe);
    if (values.json) return context.printJson(clusters);
    context.print(
      formatTable(
        ['ID', 'AUTH URL', 'REGION', 'INTERFACE', 'PROJECT', 'CREDENTIAL', 'SECRET'],
        clusters.map((cluster) => [
          cluster.id,
          cluster.authUrl,
          cluster.region,
          cluster.interface,
          cluster.projectId ??
            (cluster.projectName ? `${cluster.projectName}@${cluster.projectDomain ?? 'Default'}` : null),
          cluster.applicationCredentialId
            ? `app-credential:${cluster.applicationCredentialId}`
            : cluster.username && `user:${cluster.username}@${cluster.userDomain ?? 'Default'}`,
          cluster.secretRefScheme,
        ]),
      ),
    );
  }
}

/** A cluster as the CLI shows it: its secret reference reduced to the scheme. */
function describe(cluster: ClusterEntity) {
  const { secretRef, ...settings } = cluster;
  return { ...settings, secretRefScheme: secretRefScheme(secretRef) };
}
