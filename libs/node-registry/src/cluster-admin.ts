import { X509Certificate } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { ClusterEntity } from './cluster.entity';
import {
  ClusterBusyError,
  ClusterExistsError,
  ClusterNotRegisteredError,
  InvalidClusterSpecError,
} from './cluster-admin.errors';

/** What an operator registers for a cluster: its OpenStack endpoint, credentials and a reference to the secret. */
export interface ClusterSpec {
  id: string;
  authUrl: string;
  region?: string | null;
  interface?: 'public' | 'internal' | 'admin';
  projectId?: string | null;
  projectName?: string | null;
  projectDomain?: string | null;
  username?: string | null;
  userDomain?: string | null;
  applicationCredentialId?: string | null;
  /** `env:NAME`, `file:/absolute/path` or `enc:v2:…` (sealed for this cluster): never the secret itself. */
  secretRef: string;
  /** The cluster's Kubernetes/OpenShift API, http(s); none: not connected (reboots judged from Nova alone). */
  kubeApiUrl?: string | null;
  /** Its bearer token's reference, in the same forms as `secretRef` (sealed for `kube_token_ref`); with the URL only. */
  kubeTokenRef?: string | null;
  /** The CA certificate(s), PEM, that sign the API's certificate (https only); none: the system's CAs. */
  kubeCaPem?: string | null;
  /** See {@link KUBE_NODE_PATTERN}; with the URL only. */
  kubeNodePattern?: string | null;
}

/**
 * A cluster's node-name pattern: a node name in which `{name}` stands for the server's name and `{short}` for
 * that name up to its first dot (`{short}.prod-a.example.com`); used when neither the node's name nor its
 * `kubernetes.io/hostname` label is the server's name.
 */
export const KUBE_NODE_PATTERN = /^(?=.*\{(name|short)\})(?:[a-z0-9.-]|\{name\}|\{short\}){1,253}$/;

export interface ClusterAdminOptions {
  /** Recorded as the `source` of every audit event (e.g. `cli:<host>`). */
  source?: string | null;
  /**
   * Told, after a removal commits, of each user (id) who lost access with it, so gateways drop their cached
   * grants at once (the admin CLI publishes access changes, as it does for grants).
   */
  accessChanged?: (userId: string) => Promise<void>;
  /**
   * The prefix `env:` references must start with (CLUSTER_SECRET_ENV_PREFIX, as the gateways and workers have it):
   * a reference that they would refuse at the cluster's first call is refused when it is registered.
   */
  secretEnvPrefix?: string;
}

/** The same rule as the `clusters.id` check constraint. */
const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
const INTERFACES = ['public', 'internal', 'admin'] as const;
const SECRET_REF = [
  /^env:[A-Za-z_][A-Za-z0-9_]*$/,
  /^file:\/[^\0]*$/,
  /^enc:v[12]:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/,
];

/** A cluster's settings, without the times the database keeps. */
export type ClusterValues = Omit<ClusterEntity, 'createdAt' | 'updatedAt'>;

/**
 * Operator changes to the cluster registry. Each change runs in one transaction with its audit
 * record, which names the secret's reference scheme only. Removing a cluster drops its grants
 * (they cascade) and bumps the `version` of every user who held one.
 */
export class ClusterAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: ClusterAdminOptions = {},
  ) {}

  /**
   * Registers a cluster or replaces its settings. `expect` makes `create` fail on an existing id
   * and `update` fail on an unknown one (what `cluster add` and `cluster update` mean).
   */
  async upsert(
    spec: ClusterSpec,
    actor: string,
    options: { expect?: 'create' | 'update' } = {},
  ): Promise<'created' | 'updated'> {
    const values = validate(spec, this.options.secretEnvPrefix);
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOne(ClusterEntity, {
        where: { id: values.id },
        lock: { mode: 'pessimistic_write' },
      });
      if (existing && options.expect === 'create') throw new ClusterExistsError(values.id);
      if (!existing && options.expect === 'update') throw new ClusterNotRegisteredError(values.id);
      const { id, ...settings } = values;
      if (existing) await manager.update(ClusterEntity, { id }, settings);
      else await manager.insert(ClusterEntity, values);
      const outcome = existing ? 'updated' : 'created';
      await AuditLog.record(manager, {
        actor,
        source: this.options.source ?? null,
        action: existing ? AuditAction.clusterUpdate : AuditAction.clusterCreate,
        clusterId: id,
        target: id,
        outcome: AuditOutcome.ok,
        detail: {
          ...describeCluster(values),
          ...(existing
            ? {
                secretChanged: existing.secretRef !== values.secretRef,
                kubeTokenChanged: existing.kubeTokenRef !== values.kubeTokenRef,
              }
            : {}),
        },
      });
      return outcome;
    });
  }

  /** Unregisters a cluster (its users' cached grants are dropped); refused while reboot jobs on it are queued or running. */
  async remove(id: string, actor: string): Promise<void> {
    let losingAccess: string[] = [];
    await this.dataSource.transaction(async (manager) => {
      const cluster = CLUSTER_ID.test(id)
        ? await manager.findOne(ClusterEntity, { where: { id }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!cluster) throw new ClusterNotRegisteredError(id);
      const [{ active }] = await queryRows<{ active: number }>(
        manager,
        // The jobs lib's active states (this lib sits beside it, not above it, so it cannot import them).
        `SELECT count(*)::int AS active FROM jobs WHERE cluster_id = $1 AND state IN ('queued', 'running')`,
        [id],
      );
      if (active > 0) throw new ClusterBusyError(id, active);
      const users = await queryRows<{ id: string; username: string }>(
        manager,
        `UPDATE users SET version = version + 1, updated_at = now()
          WHERE id IN (SELECT user_id FROM grants WHERE cluster_id = $1)
          RETURNING id, username`,
        [id],
      );
      losingAccess = users.map((user) => String(user.id));
      await manager.delete(ClusterEntity, { id });
      await AuditLog.record(manager, {
        actor,
        source: this.options.source ?? null,
        action: AuditAction.clusterRemove,
        clusterId: id,
        target: id,
        outcome: AuditOutcome.ok,
        detail: { usersLosingAccess: users.map((user) => user.username).sort() },
      });
    });
    for (const userId of losingAccess) await this.options.accessChanged?.(userId);
  }

  /** Every registered cluster, by id. Holds secret references, never secrets; still, show only their scheme. */
  list(): Promise<ClusterEntity[]> {
    return this.dataSource.manager.find(ClusterEntity, { order: { id: 'ASC' } });
  }
}

/** `env`, `file` or `enc`: all a listing or an audit record may say about a cluster's secret. */
export function secretRefScheme(secretRef: string): string {
  return secretRef.slice(0, Math.max(secretRef.indexOf(':'), 0)) || 'unknown';
}

/** A cluster's settings as an audit record or a listing may show them: references reduced to their scheme. */
export type ClusterDescription<T extends ClusterValues> = Omit<T, 'secretRef' | 'kubeTokenRef' | 'kubeCaPem'> & {
  secretRefScheme: string;
  /** The Kubernetes token reference's scheme; null when not connected. */
  kubeTokenRefScheme: string | null;
  /** Whether a Kubernetes CA is set (the PEM itself is long and says nothing an operator needs in a listing). */
  kubeCa: boolean;
};

/** See {@link ClusterDescription}. */
export function describeCluster<T extends ClusterValues>(values: T): ClusterDescription<T> {
  const { secretRef, kubeTokenRef, kubeCaPem, ...settings } = values;
  return {
    ...settings,
    secretRefScheme: secretRefScheme(secretRef),
    kubeTokenRefScheme: kubeTokenRef === null ? null : secretRefScheme(kubeTokenRef),
    kubeCa: kubeCaPem !== null,
  };
}

function validate(spec: ClusterSpec, secretEnvPrefix = ''): ClusterValues {
  const invalid = (message: string) => new InvalidClusterSpecError(message);
  if (typeof spec.id !== 'string' || !CLUSTER_ID.test(spec.id)) {
    throw invalid('invalid cluster id: 1 to 253 of A-Z a-z 0-9 . -, starting with a letter or digit');
  }
  const values: ClusterValues = {
    id: spec.id,
    authUrl: authUrl(spec.authUrl),
    region: text('region', spec.region),
    interface: spec.interface ?? 'public',
    projectId: text('project id', spec.projectId),
    projectName: text('project name', spec.projectName),
    projectDomain: text('project domain', spec.projectDomain),
    username: text('username', spec.username),
    userDomain: text('user domain', spec.userDomain),
    applicationCredentialId: text('application credential id', spec.applicationCredentialId),
    secretRef: spec.secretRef,
    ...kubeSettings(spec),
  };
  if (!(INTERFACES as readonly string[]).includes(values.interface))
    throw invalid('interface must be public, internal or admin');
  if (values.applicationCredentialId) {
    if (values.username || values.userDomain) {
      throw invalid('give either an application credential id or a username, not both');
    }
    if (values.projectId || values.projectName || values.projectDomain) {
      throw invalid('an application credential is bound to its project: give no project with it');
    }
  } else {
    if (!values.username) throw invalid('give an application credential id, or a username and a project');
    if (!values.projectId && !values.projectName) throw invalid('a username needs a project id or a project name');
    if (values.projectId && values.projectName) throw invalid('give a project id or a project name, not both');
    if (values.projectDomain && !values.projectName) throw invalid('a project domain goes with a project name');
  }
  // The message never repeats the reference: a mistaken one may be the secret itself.
  if (typeof values.secretRef !== 'string' || !SECRET_REF.some((pattern) => pattern.test(values.secretRef))) {
    throw invalid('secret reference must be env:NAME, file:/absolute/path or enc:v2:… (never the secret itself)');
  }
  for (const ref of [values.secretRef, values.kubeTokenRef]) {
    if (ref?.startsWith('env:') && !ref.startsWith(`env:${secretEnvPrefix}`)) {
      throw invalid(
        `env: secret references must name a variable starting with ${secretEnvPrefix} (CLUSTER_SECRET_ENV_PREFIX)`,
      );
    }
  }
  return values;
}

/** The Kubernetes API settings: all absent (not connected), or a URL and a token reference, with the rest optional. */
function kubeSettings(
  spec: ClusterSpec,
): Pick<ClusterValues, 'kubeApiUrl' | 'kubeTokenRef' | 'kubeCaPem' | 'kubeNodePattern'> {
  const invalid = (message: string) => new InvalidClusterSpecError(message);
  const url = spec.kubeApiUrl ? httpUrl('Kubernetes API URL', spec.kubeApiUrl) : null;
  if (url && /[?#]/.test(url)) throw invalid('Kubernetes API URL must have no query or fragment');
  const tokenRef = spec.kubeTokenRef || null;
  const caPem = spec.kubeCaPem?.trim() || null;
  const pattern = spec.kubeNodePattern?.trim() || null;
  if (!url) {
    if (tokenRef || caPem || pattern)
      throw invalid('a Kubernetes token, CA or node pattern needs a Kubernetes API URL');
    return { kubeApiUrl: null, kubeTokenRef: null, kubeCaPem: null, kubeNodePattern: null };
  }
  if (!tokenRef) throw invalid('a Kubernetes API URL needs a token reference (--kube-token-ref)');
  // As for the OpenStack secret, the message never repeats the reference.
  if (!SECRET_REF.some((ref) => ref.test(tokenRef))) {
    throw invalid(
      'Kubernetes token reference must be env:NAME, file:/absolute/path or enc:v2:… (never the token itself)',
    );
  }
  if (caPem) {
    if (!url.startsWith('https:')) throw invalid('a Kubernetes CA goes with an https:// API URL');
    if (!isPemCertificates(caPem)) throw invalid('the Kubernetes CA must be one or more PEM certificates');
  }
  if (pattern && !KUBE_NODE_PATTERN.test(pattern)) {
    throw invalid('the node pattern must hold {name} or {short}, and otherwise only a-z 0-9 . - (at most 253)');
  }
  return { kubeApiUrl: url, kubeTokenRef: tokenRef, kubeCaPem: caPem, kubeNodePattern: pattern };
}

/** True when the text is only PEM certificates, each one that parses. */
function isPemCertificates(pem: string): boolean {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0 || pem.replace(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g, '').trim())
    return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

function authUrl(value: string): string {
  return httpUrl('auth URL', value);
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(String(value).trim());
  } catch {
    throw new InvalidClusterSpecError(`${name} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidClusterSpecError(`${name} must be http(s)`);
  if (url.username || url.password) throw new InvalidClusterSpecError(`${name} must not carry credentials`);
  return url.toString().replace(/\/+$/, '');
}

function text(name: string, value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = String(value).trim();
  if (trimmed === '') return null;
  if (trimmed.length > 255 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new InvalidClusterSpecError(`${name} must be at most 255 printable characters`);
  }
  return trimmed;
}
