import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterSecretBinding, ClusterSecretError, ClusterSecrets, webhookSecretBinding } from './cluster-secrets';
import { sealUnboundV1 } from '@oshift/testing';

const PROD = clusterSecretBinding('prod-a');

describe('ClusterSecrets', () => {
  const key = randomBytes(32).toString('base64');

  it('resolves env: and file: references, re-reading a file each time (a rotated secret is picked up)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(dir, 'os-password'), 's3cret\n');
    const secrets = new ClusterSecrets({ env: { OS_PASSWORD_A: 'from-env' }, fileDir: dir });
    expect(secrets.resolve('env:OS_PASSWORD_A', PROD)).toBe('from-env');
    expect(secrets.resolve(`file:${join(dir, 'os-password')}`, PROD)).toBe('s3cret');
    writeFileSync(join(dir, 'os-password'), 'rotated\n');
    expect(secrets.resolve(`file:${join(dir, 'os-password')}`, PROD)).toBe('rotated');
  });

  it('names only variables with the configured prefix, and only files inside the configured folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const outside = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    writeFileSync(join(outside, 'key'), 'private');
    const env = { OSHIFT_SECRET_A: 'a', DATABASE_URL: 'postgres://u:p@db/x' };
    const secrets = new ClusterSecrets({ env, envPrefix: 'OSHIFT_SECRET_', fileDir: dir });
    expect(secrets.resolve('env:OSHIFT_SECRET_A', PROD)).toBe('a');
    expect(() => secrets.resolve('env:DATABASE_URL', PROD)).toThrow('secret variables must start with OSHIFT_SECRET_');
    expect(() => secrets.resolve(`file:${join(outside, 'key')}`, PROD)).toThrow(`secret files must be inside ${dir}`);
    expect(() => secrets.resolve(`file:${dir}/../${outside.split('/').pop()}/key`, PROD)).toThrow(/must be inside/);
    expect(() => new ClusterSecrets({ env }).resolve(`file:${join(outside, 'key')}`, PROD)).toThrow(/not enabled/);
  });

  it('refuses a sealed secret whose tag was cut short (a 4-byte tag would authenticate almost nothing)', () => {
    const secrets = new ClusterSecrets({ env: {}, encryptionKey: key });
    const [iv, tag, data] = secrets.seal('hunter2', PROD).slice('enc:v2:'.length).split('.');
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => secrets.resolve(`enc:v2:${iv}.${short}.${data}`, PROD)).toThrow('malformed encrypted secret');
  });

  it('round-trips a sealed secret for its row and field, and never shows the plain text in the reference', () => {
    const secrets = new ClusterSecrets({ env: {}, encryptionKey: key });
    const ref = secrets.seal('hunter2-very-secret', PROD);
    expect(ref).toMatch(/^enc:v2:[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(ref).not.toContain('hunter2');
    expect(secrets.resolve(ref, PROD)).toBe('hunter2-very-secret');
    const hook = webhookSecretBinding('0B6E2F0C-5D7A-4C0E-9E43-6A1B2C3D4E5F');
    expect(secrets.unseal(secrets.seal('signing-secret-1234', hook), hook)).toBe('signing-secret-1234');
  });

  it('refuses a sealed secret moved to another row or field, naming the place and not the secret', () => {
    const secrets = new ClusterSecrets({ env: {}, encryptionKey: key });
    const hook = webhookSecretBinding('0b6e2f0c-5d7a-4c0e-9e43-6a1b2c3d4e5f');
    const webhookSecret = secrets.seal('whsec-hunter2-hunter2', hook);
    const clusterSecret = secrets.seal('os-hunter2', PROD);
    const moves: [string, Parameters<ClusterSecrets['resolve']>[1]][] = [
      [webhookSecret, PROD],
      [clusterSecret, hook],
      [clusterSecret, clusterSecretBinding('prod-b')],
      [secrets.seal('os-hunter2', clusterSecretBinding('prod-a.b')), clusterSecretBinding('prod-a')],
    ];
    for (const [ref, binding] of moves) {
      let error: unknown;
      try {
        secrets.resolve(ref, binding);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ClusterSecretError);
      expect((error as Error).message).toBe(
        `the sealed secret in ${binding} does not open: it was sealed for another row or field, or under another key`,
      );
      expect((error as Error).message).not.toMatch(/hunter2/);
    }
  });

  it('opens with the previous key during a rotation but seals only with the current one', () => {
    const previous = key;
    const current = randomBytes(32).toString('base64');
    const old = new ClusterSecrets({ env: {}, encryptionKey: previous }).seal('hunter2', PROD);
    const rotating = new ClusterSecrets({ env: {}, encryptionKey: current, previousKey: previous });
    expect(rotating.resolve(old, PROD)).toBe('hunter2');
    const resealed = rotating.reseal(old, PROD);
    expect(resealed).toEqual({ change: 'resealed', from: 'enc:v2', ref: expect.stringMatching(/^enc:v2:/) });
    const ref = (resealed as { ref: string }).ref;
    expect(new ClusterSecrets({ env: {}, encryptionKey: current }).resolve(ref, PROD)).toBe('hunter2');
    expect(() => new ClusterSecrets({ env: {}, encryptionKey: previous }).resolve(ref, PROD)).toThrow(/does not open/);
    expect(() => new ClusterSecrets({ env: {}, previousKey: previous })).toThrow('a previous key needs a current key');
  });

  it('reads unbound enc:v1 secrets until SEALED_SECRETS_REQUIRE_BOUND, and reseals them bound', () => {
    const v1 = sealUnboundV1('hunter2', key);
    expect(new ClusterSecrets({ env: {}, encryptionKey: key }).resolve(v1, PROD)).toBe('hunter2');
    const strict = new ClusterSecrets({ env: {}, encryptionKey: key, requireBound: true });
    expect(() => strict.resolve(v1, PROD)).toThrow(
      'clusters.prod-a.secret_ref holds an unbound enc:v1 secret, refused by SEALED_SECRETS_REQUIRE_BOUND (run: admin secrets reseal)',
    );
    const resealed = strict.reseal(v1, PROD);
    expect(resealed).toMatchObject({ change: 'resealed', from: 'enc:v1' });
    const ref = (resealed as { ref: string }).ref;
    expect(strict.resolve(ref, PROD)).toBe('hunter2');
    expect(strict.reseal(ref, PROD)).toEqual({ change: 'current' });
    expect(strict.reseal('env:OSHIFT_SECRET_A', PROD)).toEqual({ change: 'not-sealed' });
    expect(() => strict.reseal(ref, clusterSecretBinding('prod-b'))).toThrow(/does not open/);
  });

  it('opens only sealed secrets for a webhook: a reference to a variable or file is refused', () => {
    const secrets = new ClusterSecrets({ env: { OSHIFT_SECRET_A: 'a' }, encryptionKey: key });
    expect(() => secrets.unseal('env:OSHIFT_SECRET_A', webhookSecretBinding('x'))).toThrow(
      'webhooks.x.secret_ref must hold a sealed (enc:) secret',
    );
  });

  it('refuses a secret sealed under another key, without echoing it', () => {
    const ref = new ClusterSecrets({ env: {}, encryptionKey: key }).seal('hunter2', PROD);
    const other = new ClusterSecrets({ env: {}, encryptionKey: randomBytes(32).toString('base64') });
    expect(() => other.resolve(ref, PROD)).toThrow(ClusterSecretError);
    expect(() => other.resolve(ref, PROD)).toThrow(/does not open/);
    expect(() => other.resolve(sealUnboundV1('hunter2', key), PROD)).toThrow(
      'the encrypted secret in clusters.prod-a.secret_ref does not open with the configured key',
    );
  });

  it('explains missing variables and unknown schemes', () => {
    const secrets = new ClusterSecrets({ env: {} });
    expect(() => secrets.resolve('env:NOPE', PROD)).toThrow('secret variable NOPE is not set');
    expect(() => secrets.resolve('plain-text', PROD)).toThrow(/unknown secret reference scheme/);
    expect(() => secrets.resolve('enc:v2:a.b.c', PROD)).toThrow('CLUSTER_SECRET_KEY is not configured');
  });
});
