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
  /** 32-byte key, base64, for `enc:v1:` secrets; absent means such secrets cannot be used. */
  encryptionKey?: string;
}

/** AES-GCM's standard nonce, and its full tag (a short tag authenticates little). */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Resolves a cluster's OpenStack secret from its reference, so no secret is stored in clear:
 * `env:NAME` (a variable with the configured prefix), `file:PATH` (a file inside the configured folder, read at
 * each use so a rotated mounted secret is picked up; trailing newline dropped) or `enc:v1:IV.TAG.DATA`
 * (AES-256-GCM under the configured key, 12-byte IV and 16-byte tag).
 */
export class ClusterSecrets {
  private readonly key: Buffer | null;

  constructor(private readonly options: ClusterSecretsOptions) {
    this.key = options.encryptionKey ? Buffer.from(options.encryptionKey, 'base64') : null;
    if (this.key && this.key.length !== 32) throw new ClusterSecretError('the encryption key must be 32 bytes, base64');
  }

  resolve(ref: string): string {
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
        return this.decrypt(rest);
      default:
        throw new ClusterSecretError('unknown secret reference scheme (use env:, file: or enc:)');
    }
  }

  /** Encrypts a secret into an `enc:v1:` reference. */
  encrypt(secret: string): string {
    const key = this.requireKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `enc:v1:${[iv, cipher.getAuthTag(), data].map((part) => part.toString('base64url')).join('.')}`;
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

  private decrypt(rest: string): string {
    const key = this.requireKey();
    const [version, payload] = [rest.slice(0, 2), rest.slice(3)];
    const parts = payload.split('.');
    if (version !== 'v1' || parts.length !== 3) throw new ClusterSecretError('malformed encrypted secret');
    const [iv, tag, data] = parts.map((part) => Buffer.from(part, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new ClusterSecretError('malformed encrypted secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new ClusterSecretError('encrypted secret does not open with the configured key');
    }
  }

  private requireKey(): Buffer {
    if (!this.key) throw new ClusterSecretError('CLUSTER_SECRET_KEY is not configured');
    return this.key;
  }
}
