import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  clusterKubeTokenBinding,
  clusterSecretBinding,
  type ClusterEntity,
  type ClusterSpec,
  describeCluster,
  secretRefScheme,
} from '@oshift/node-registry';
import type { AdminContext } from '../admin.context';
import { CommandError } from '../command.error';
import { formatTable } from '../table.format';
import { UsageError } from '../usage.error';
import { commandPath, type CommandRegistration, outputOption, type OutputOptions } from './admin-command';
import { checkCluster } from './cluster-check';
import { addClusterPolicyCommand } from './cluster-policy.command';

/** The settings flags, as commander parses them. */
interface SettingsOptions {
  authUrl?: string;
  region?: string;
  interface?: 'public' | 'internal' | 'admin';
  projectId?: string;
  projectName?: string;
  projectDomain?: string;
  username?: string;
  userDomain?: string;
  appCredentialId?: string;
  secretRef?: string;
  secretStdin?: boolean;
  kubeApiUrl?: string;
  kubeTokenRef?: string;
  kubeTokenStdin?: boolean;
  kubeCaFile?: string;
  kubeNodePattern?: string;
  /** False with `--no-kube`. */
  kube?: boolean;
}

/** `cluster add|update|remove|list|check|policy`: the clusters the API serves and how to reach their OpenStack. */
export const clusterCommands: CommandRegistration = (program, run) => {
  const cluster = program.command('cluster').description('the clusters the API serves and their OpenStack access');

  const add = withSettings(cluster.command('add'), 'register a cluster (--auth-url and a secret are required)');
  add.action(
    run(async (context, id: string, options: SettingsOptions) => {
      if (!options.authUrl) throw new UsageError('--auth-url is required', commandPath(add));
      if (!options.secretRef && !options.secretStdin)
        throw new UsageError('give --secret-ref or --secret-stdin', commandPath(add));
      await save(context, 'create', { id, authUrl: options.authUrl, secretRef: '' }, options, commandPath(add));
    }),
  );

  const update = withSettings(cluster.command('update'), 'change the settings given, and only those');
  update.action(
    run(async (context, id: string, options: SettingsOptions) => {
      const existing = (await (await context.clusterAdmin()).list()).find((entry) => entry.id === id);
      if (!existing) throw new CommandError(`unknown cluster ${id}`);
      await save(context, 'update', existing, options, commandPath(update));
    }),
  );

  cluster
    .command('remove')
    .description('unregister a cluster (refused while reboot jobs on it are queued or running)')
    .argument('<id>', 'cluster id')
    .action(
      run(async (context, id: string) => {
        await (await context.clusterAdmin()).remove(id, context.config.actor);
        context.print(`cluster ${id} removed`);
      }),
    );

  cluster
    .command('list')
    .description('every cluster with its OpenStack settings (secrets shown only as their kind)')
    .addOption(outputOption())
    .action(
      run(async (context, options: OutputOptions) => {
        const clusters = (await (await context.clusterAdmin()).list()).map(describe);
        if (options.output === 'json') return context.printJson(clusters);
        context.print(
          formatTable(
            ['ID', 'AUTH URL', 'REGION', 'INTERFACE', 'PROJECT', 'KUBERNETES', 'CREDENTIAL', 'SECRET'],
            clusters.map(row),
          ),
        );
      }),
    );

  cluster
    .command('check')
    .description('authenticate to Keystone with the stored settings and list the servers, or say what failed')
    .argument('<id>', 'cluster id')
    .action(run(async (context, id: string) => checkCluster(context, id)));

  addClusterPolicyCommand(cluster, run);
};

function withSettings(command: Command, description: string): Command {
  return command
    .description(description)
    .argument('<id>', 'cluster id, as customers name it in the API')
    .option('--auth-url <url>', 'Keystone v3 URL, e.g. https://keystone.example.com:5000/v3')
    .option('--region <region>', 'catalog region')
    .addOption(new Option('--interface <interface>', 'catalog interface').choices(['public', 'internal']))
    .option('--project-id <id>', 'project scope by id (password credentials)')
    .option('--project-name <name>', 'project scope by name (with --project-domain)')
    .option('--project-domain <domain>', 'domain of --project-name (default Default)')
    .option('--username <name>', 'OpenStack user (password credentials)')
    .option('--user-domain <domain>', 'domain of --username (default Default)')
    .option('--app-credential-id <id>', 'application credential (preferred)')
    .option('--secret-ref <ref>', 'where the password or credential secret is: env:VAR or file:/path')
    .option('--secret-stdin', 'read the secret from stdin and store it encrypted with CLUSTER_SECRET_KEY')
    .option('--kube-api-url <url>', "connect the cluster's Kubernetes/OpenShift API, e.g. https://api.example.com:6443")
    .option('--kube-token-ref <ref>', "where the API's bearer token is: env:VAR, file:/path or a sealed enc:v2:…")
    .option('--kube-token-stdin', 'read the bearer token from stdin and store it encrypted with CLUSTER_SECRET_KEY')
    .option('--kube-ca-file <pem>', "the CA certificate(s) that sign the API's certificate, PEM (https only)")
    .option(
      '--kube-node-pattern <pattern>',
      "a server's node name, {name} or {short} standing for its name ('' clears)",
    )
    .option('--no-kube', 'disconnect the cluster from its Kubernetes API (reboots then judged from Nova alone)');
}

/** Applies the flags given over `base` (an existing cluster, or nothing but the id) and saves the result. */
async function save(
  context: AdminContext,
  expect: 'create' | 'update',
  base: ClusterSpec,
  options: SettingsOptions,
  path: string,
): Promise<void> {
  if (options.secretRef && options.secretStdin) throw new UsageError('give --secret-ref or --secret-stdin', path);
  if (options.projectId && options.projectName)
    throw new UsageError('give --project-id or --project-name, not both', path);
  if (options.appCredentialId && options.username)
    throw new UsageError('give --app-credential-id or --username, not both', path);
  if (options.kubeTokenRef && options.kubeTokenStdin)
    throw new UsageError('give --kube-token-ref or --kube-token-stdin', path);
  if (options.secretStdin && options.kubeTokenStdin)
    throw new UsageError('stdin holds one secret: give --secret-stdin or --kube-token-stdin, not both', path);
  const kubeFlags = [options.kubeApiUrl, options.kubeTokenRef, options.kubeTokenStdin, options.kubeCaFile];
  if (options.kube === false && [...kubeFlags, options.kubeNodePattern].some((flag) => flag !== undefined))
    throw new UsageError('--no-kube disconnects: give no other --kube-… option with it', path);
  const given = <T>(value: T | undefined, previous: T | null | undefined) => (value === undefined ? previous : value);
  const byName = options.projectName !== undefined;
  const byId = options.projectId !== undefined;
  const asUser = options.username !== undefined;
  const asCredential = options.appCredentialId !== undefined;
  const spec: ClusterSpec = {
    id: base.id,
    authUrl: options.authUrl ?? base.authUrl,
    region: given(options.region, base.region),
    interface: options.interface ?? base.interface ?? 'public',
    // A new kind of scope or credential replaces the other kind.
    projectId: byName ? null : given(options.projectId, base.projectId),
    projectName: byId ? null : given(options.projectName, base.projectName),
    projectDomain: byId ? null : given(options.projectDomain, base.projectDomain),
    username: asCredential ? null : given(options.username, base.username),
    userDomain: asCredential ? null : given(options.userDomain, base.userDomain),
    applicationCredentialId: asUser ? null : given(options.appCredentialId, base.applicationCredentialId),
    secretRef: options.secretRef ?? (options.secretStdin ? await encryptedSecret(context, base.id) : base.secretRef),
    ...(options.kube === false
      ? { kubeApiUrl: null, kubeTokenRef: null, kubeCaPem: null, kubeNodePattern: null }
      : {
          kubeApiUrl: given(options.kubeApiUrl, base.kubeApiUrl),
          kubeTokenRef:
            options.kubeTokenRef ??
            (options.kubeTokenStdin ? await encryptedKubeToken(context, base.id) : base.kubeTokenRef),
          kubeCaPem: options.kubeCaFile === undefined ? base.kubeCaPem : readCa(options.kubeCaFile),
          kubeNodePattern: given(options.kubeNodePattern, base.kubeNodePattern),
        }),
  };
  const outcome = await (await context.clusterAdmin()).upsert(spec, context.config.actor, { expect });
  const kube = spec.kubeApiUrl
    ? `, kubernetes: ${spec.kubeApiUrl} token ${secretRefScheme(spec.kubeTokenRef ?? '')}`
    : base.kubeApiUrl
      ? ', kubernetes: not connected'
      : '';
  context.print(`cluster ${spec.id} ${outcome} (secret: ${secretRefScheme(spec.secretRef)}${kube})`);
}

/** The CA file's PEM; a file that cannot be read is a usage error that names it (it is the operator's own path). */
function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new CommandError(`cannot read the Kubernetes CA file ${path}`);
  }
}

/** Reads the Kubernetes API token from stdin and seals it, bound to this cluster's `kube_token_ref`. */
async function encryptedKubeToken(context: AdminContext, clusterId: string): Promise<string> {
  const sealer = context.sealedSecrets(
    '--kube-token-stdin needs CLUSTER_SECRET_KEY (32 bytes, base64) to encrypt the token',
  );
  const token = await context.secrets.read('Kubernetes API token');
  return sealer.seal(token, clusterKubeTokenBinding(clusterId));
}

/** Reads the OpenStack secret from stdin and seals it under CLUSTER_SECRET_KEY, bound to this cluster's row. */
async function encryptedSecret(context: AdminContext, clusterId: string): Promise<string> {
  const sealer = context.sealedSecrets(
    '--secret-stdin needs CLUSTER_SECRET_KEY (32 bytes, base64) to encrypt the secret',
  );
  const secret = await context.secrets.read('OpenStack secret');
  return sealer.seal(secret, clusterSecretBinding(clusterId));
}

/** A cluster as the CLI shows it: its secret references reduced to their scheme, its CA to whether it has one. */
const describe = (cluster: ClusterEntity) => describeCluster(cluster);

function row(cluster: ReturnType<typeof describe>): (string | null)[] {
  return [
    cluster.id,
    cluster.authUrl,
    cluster.region,
    cluster.interface,
    cluster.projectId ?? (cluster.projectName ? `${cluster.projectName}@${cluster.projectDomain ?? 'Default'}` : null),
    cluster.kubeApiUrl && `${cluster.kubeApiUrl} (token: ${cluster.kubeTokenRefScheme})`,
    cluster.applicationCredentialId
      ? `app-credential:${cluster.applicationCredentialId}`
      : cluster.username && `user:${cluster.username}@${cluster.userDomain ?? 'Default'}`,
    cluster.secretRefScheme,
  ];
}
