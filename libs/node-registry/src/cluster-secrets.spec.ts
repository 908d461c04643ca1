import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterSecretError, ClusterSecrets } from './cluster-secrets';

describe('ClusterSecrets', () => {
  const key = randomBytes(32).toString('base64');

  it('resolves env: and file: references', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(dir, 'os-password'), 's3cret\n');
    const secrets = new ClusterSecrets({ env: { OS_PASSWORD_A: 'from-env' } });
    expect(secrets.resolve('env:OS_PASSWORD_A')).toBe('from-env');
    expect(secrets.resolve(`file:${join(dir, 'os-password')}`)).toBe('s3cret');
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
