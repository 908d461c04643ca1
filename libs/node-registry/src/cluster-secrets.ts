import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';

/** The secret reference of a cluster could not be resolved (missing variable, file or key). */
export class ClusterSecretError extends Error {
  override readonly name = 'ClusterSecretError';
}

export interface ClusterSecretsOptions {
  /** Variables `env:NAME` references are looked up in (the process's validated environment). */
  env: Readonly<Record<string, string | undefined>>;
  /** `env:` references must name a variable with this prefix (CLUSTER_SECRET_ENV_PREFIX); none: any. */
  envPrefix?: string;
  /** `file:` references must name a file inside this folder (CLUSTER_SECRET_DIR); none: no file secrets. */
  fileDir?: string;
  /** 32-byte key, base64, for sealed (`enc:`) secrets; absent means such secrets cannot be used. */
  encryptionKey?: string;
  /** The key before the last rotation (CLUSTER_SECRET_KEY_PREVIOUS): still opens, never seals. */
  previousKey?: string;
  /** Refuse `enc:v1:` secrets, which are bound to no row (SEALED_SECRETS_REQUIRE_BOUND, after `secrets reseal`). */
  requireBound?: boolean;
}

/**
 * The row and field a sealed secret belongs to, e.g. `clusters.prod-a.secret_ref`: the additional
 * authenticated data of its AES-GCM seal, so the same ciphertext copied into another row or field does not open.
 */
export type SecretBinding = `${'clusters' | 'webhooks'}.${string}.secret_ref` | `clusters.${string}.kube_token_ref`;

/** A cluster's OpenStack secret: bound to its id (the primary key; clusters are never renamed). */
export const clusterSecretBinding = (clusterId: string): SecretBinding => `clusters.${clusterId}.secret_ref`;

/** A cluster's Kubernetes API token: bound to its id and its own field, so it never opens as the OpenStack secret. */
export const clusterKubeTokenBinding = (clusterId: string): SecretBinding => `clusters.${clusterId}.kube_token_ref`;

/** A webhook's signing secret: bound to its id (the primary key, a lowercase UUID). */
export const webhookSecretBinding = (webhookId: string): SecretBinding =>
  `webhooks.${webhookId.toLowerCase()}.secret_ref`;

/** What `reseal` made of a stored reference. */
export type ResealOutcome =
  { change: 'resealed'; ref: string; from: 'enc:v1' | 'enc:v2' } | { change: 'current' } | { change: 'not-sealed' };

/** AES-GCM's standard nonce, and its full tag (a short tag authenticates little). */
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Every sealed secret's additional data starts with this, then its binding. */
const AAD_PREFIX = 'oshift:enc:v2:';

/**
 * Resolves a cluster's OpenStack secret from its reference, so no secret is stored in clear:
 * `env:NAME` (a variable with the configured prefix), `file:PATH` (a file inside the configured folder, read at
 * each use so a rotated mounted secret is picked up; trailing newline dropped) or a sealed secret,
 * `enc:v2:IV.TAG.DATA` (AES-256-GCM under the configured key, 12-byte IV and 16-byte tag, bound to its row and
 * field by its additional data). `enc:v1:` (the same without binding) is still read unless `requireBound`.
 */
export class ClusterSecrets {
  /** The keys that open sealed secrets, the current one (which alone seals) first. */
  private readonly keys: Buffer[];

  constructor(private readonly options: ClusterSecretsOptions) {
    this.keys = [options.encryptionKey, options.previousKey]
      .filter((key): key is string => Boolean(key))
      .map((key) => Buffer.from(key, 'base64'));
    if (this.keys.some((key) => key.length !== 32))
      throw new ClusterSecretError('the encryption key must be 32 bytes, base64');
    if (options.previousKey && !options.encryptionKey)
      throw new ClusterSecretError('a previous key needs a current key (CLUSTER_SECRET_KEY)');
  }

  /** The secret a cluster's reference names: `env:`, `file:` or sealed for `binding`. */
  resolve(ref: string, binding: SecretBinding): string {
    const [scheme] = ref.split(':', 1);
    const rest = ref.slice(scheme.length + 1);
    switch (scheme) {
      case 'env': {
        const prefix = this.options.envPrefix ?? '';
        if (!rest.startsWith(prefix)) throw new ClusterSecretError(`secret variables must start with ${prefix}`);
        const value = this.options.env[rest];
        if (!value) throw new ClusterSecretError(`secret variable ${rest} is not set`);
        return value;
      }
      case 'file':
        return this.readFile(rest);
      case 'enc':
        return this.unseal(ref, binding);
      default:
        throw new ClusterSecretError('unknown secret reference scheme (use env:, file: or enc:)');
    }
  }

  /**
   * A deployment setting's secret (e.g. ALERTMANAGER_TOKEN_REF): `env:` or `file:` only, under the same rules as
   * a cluster's; a sealed one has no row to be bound to, so it is refused.
   */
  resolveSetting(ref: string): string {
    if (!/^(env|file):./.test(ref))
      throw new ClusterSecretError("a setting's secret must be an env: or file: reference");
    return this.resolve(ref, 'clusters.-.secret_ref');
  }

  /** A sealed secret only (a webhook's): anything else, a reference to a variable or file included, is refused. */
  unseal(ref: string, binding: SecretBinding): string {
    if (!ref.startsWith('enc:')) throw new ClusterSecretError(`${binding} must hold a sealed (enc:) secret`);
    this.requireKey();
    const sealed = this.parse(ref);
    if (sealed.version === 'v1' && this.options.requireBound) {
      throw new ClusterSecretError(
        `${binding} holds an unbound enc:v1 secret, refused by SEALED_SECRETS_REQUIRE_BOUND (run: admin secrets reseal)`,
      );
    }
    return this.open(sealed, binding).secret;
  }

  /** Seals a secret for the row and field it belongs to, under the current key: an `enc:v2:` reference. */
  seal(secret: string, binding: SecretBinding): string {
    const key = this.requireKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(AAD_PREFIX + binding, 'utf8'));
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `enc:v2:${[iv, cipher.getAuthTag(), data].map((part) => part.toString('base64url')).join('.')}`;
  }

  /**
   * Brings a stored reference to the bound format under the current key: an `enc:v1:` one, or an `enc:v2:` one
   * under the previous key, is sealed again for `binding`; one already so stays; `env:`/`file:` ones are not
   * sealed. A reference that does not open (moved, or under an unknown key) is refused as by `resolve`.
   */
  reseal(ref: string, binding: SecretBinding): ResealOutcome {
    if (!ref.startsWith('enc:')) return { change: 'not-sealed' };
    this.requireKey();
    const sealed = this.parse(ref);
    const { secret, keyIndex } = this.open(sealed, binding);
    if (sealed.version === 'v2' && keyIndex === 0) return { change: 'current' };
    return { change: 'resealed', ref: this.seal(secret, binding), from: `enc:${sealed.version}` };
  }

  private readFile(path: string): string {
    const dir = this.options.fileDir;
    if (!dir) throw new ClusterSecretError('file secrets are not enabled on this process');
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new ClusterSecretError('secret file cannot be read');
    }
    let folder: string;
    try {
      folder = realpathSync(dir);
    } catch {
      throw new ClusterSecretError('the secret folder does not exist');
    }
    if (!real.startsWith(folder.endsWith(sep) ? folder : folder + sep)) {
      throw new ClusterSecretError(`secret files must be inside ${dir}`);
    }
    try {
      return readFileSync(real, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new ClusterSecretError('secret file cannot be read');
    }
  }

  private parse(ref: string): Sealed {
    const match = /^enc:(v1|v2):([^.]*)\.([^.]*)\.([^.]*)$/.exec(ref);
    if (!match) throw new ClusterSecretError('malformed encrypted secret');
    const [iv, tag, data] = match.slice(2).map((part) => Buffer.from(part, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new ClusterSecretError('malformed encrypted secret');
    return { version: match[1] as Sealed['version'], iv, tag, data };
  }

  /** Opens with the current key, then the previous one; `v2` only for the binding it was sealed for. */
  private open(sealed: Sealed, binding: SecretBinding): { secret: string; keyIndex: number } {
    for (const [keyIndex, key] of this.keys.entries()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
        if (sealed.version === 'v2') decipher.setAAD(Buffer.from(AAD_PREFIX + binding, 'utf8'));
        decipher.setAuthTag(sealed.tag);
        const secret = Buffer.concat([decipher.update(sealed.data), decipher.final()]).toString('utf8');
        return { secret, keyIndex };
      } catch {
        // Wrong key or wrong binding: GCM cannot tell which. Try the next key.
      }
    }
    throw new ClusterSecretError(
      sealed.version === 'v2'
        ? `the sealed secret in ${binding} does not open: it was sealed for another row or field, or under another key`
        : `the encrypted secret in ${binding} does not open with the configured key`,
    );
  }

  private requireKey(): Buffer {
    const [current] = this.keys;
    if (!current) throw new ClusterSecretError('CLUSTER_SECRET_KEY is not configured');
    return current;
  }
}

interface Sealed {
  version: 'v1' | 'v2';
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}
