import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterSecretError, ClusterSecrets } from './cluster-secrets';

describe('ClusterSecrets', () => {
  const key = randomBytes(32).toString('base64');

  it('resolves env: and file: references, re-reading a file each time (a rotated secret is picked up)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(dir, 'os-password'), 's3cret\n');
    const secrets = new ClusterSecrets({ env: { OS_PASSWORD_A: 'from-env' }, fileDir: dir });
    expect(secrets.resolve('env:OS_PASSWORD_A')).toBe('from-env');
    expect(secrets.resolve(`file:${join(dir, 'os-password')}`)).toBe('s3cret');
    writeFileSync(join(dir, 'os-password'), 'rotated\n');
    expect(secrets.resolve(`file:${join(dir, 'os-password')}`)).toBe('rotated');
  });

  it('names only variables with the configured prefix, and only files inside the configured folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const outside = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    writeFileSync(join(outside, 'key'), 'private');
    const env = { OSHIFT_SECRET_A: 'a', DATABASE_URL: 'postgres://u:p@db/x' };
    const secrets = new ClusterSecrets({ env, envPrefix: 'OSHIFT_SECRET_', fileDir: dir });
    expect(secrets.resolve('env:OSHIFT_SECRET_A')).toBe('a');
    expect(() => secrets.resolve('env:DATABASE_URL')).toThrow('secret variables must start with OSHIFT_SECRET_');
    expect(() => secrets.resolve(`file:${join(outside, 'key')}`)).toThrow(`secret files must be inside ${dir}`);
    expect(() => secrets.resolve(`file:${dir}/../${outside.split('/').pop()}/key`)).toThrow(/must be inside/);
    expect(() => new ClusterSecrets({ env }).resolve(`file:${join(outside, 'key')}`)).toThrow(/not enabled/);
  });

  it('refuses an encrypted secret whose tag was cut short (a 4-byte tag would authenticate almost nothing)', () => {
    const secrets = new ClusterSecrets({ env: {}, encryptionKey: key });
    const [iv, tag, data] = secrets.encrypt('hunter2').slice('enc:v1:'.length).split('.');
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => secrets.resolve(`enc:v1:${iv}.${short}.${data}`)).toThrow('malformed encrypted secret');
  });

  it('round-trips encrypted secrets and never shows the plain text in the reference', () => {
    const secrets = new ClusterSecrets({ env: {}, encryptionKey: key });
    const ref = secrets.encrypt('hunter2-very-secret');
    expect(ref).toMatch(/^enc:v1:/);
    expect(ref).not.toContain('hunter2');
    expect(secrets.resolve(ref)).toBe('hunter2-very-secret');
  });

  it('refuses a secret encrypted under another key, without echoing it', () => {
    const ref = new ClusterSecrets({ env: {}, encryptionKey: key }).encrypt('hunter2');
    const other = new ClusterSecrets({ env: {}, encryptionKey: randomBytes(32).toString('base64') });
    expect(() => other.resolve(ref)).toThrow(ClusterSecretError);
    expect(() => other.resolve(ref)).toThrow(/does not open/);
  });

  it('explains missing variables and unknown schemes', () => {
    const secrets = new ClusterSecrets({ env: {} });
    expect(() => secrets.resolve('env:NOPE')).toThrow('secret variable NOPE is not set');
    expect(() => secrets.resolve('plain-text')).toThrow(/unknown secret reference scheme/);
    expect(() => secrets.resolve('enc:v1:a.b.c')).toThrow('CLUSTER_SECRET_KEY is not configured');
  });
});
