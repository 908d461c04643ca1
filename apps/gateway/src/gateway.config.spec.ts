import { ConfigError } from '@oshift/config';
import { loadGatewayConfig } from './gateway.config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };

describe('loadGatewayConfig', () => {
  it('refuses a PUBLIC_URL that is not plain ASCII, and keeps one that is', () => {
    expect(() => loadGatewayConfig({ ...base, PUBLIC_URL: 'https://api.exämple.test' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ ...base, PUBLIC_URL: 'https://api.example.test/a b' })).toThrow(/PUBLIC_URL/);
    expect(loadGatewayConfig({ ...base, PUBLIC_URL: 'https://xn--exmple-cua.test/' }).http.publicUrl).toBe(
      'https://xn--exmple-cua.test',
    );
  });

  it('hands cluster secrets only the variables with the secret prefix, and the secret folder', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadGatewayConfig({ ...base, OSHIFT_SECRET_A: 'a', CLUSTER_SECRET_KEY: key, OTHER: 'o' });
    expect(config.secrets).toEqual({
      encryptionKey: key,
      requireBound: false,
      envPrefix: 'OSHIFT_SECRET_',
      fileDir: '/run/secrets',
      env: { OSHIFT_SECRET_A: 'a' },
    });
    expect(() => loadGatewayConfig({ ...base, CLUSTER_SECRET_ENV_PREFIX: 'lower_' })).toThrow(
      /CLUSTER_SECRET_ENV_PREFIX/,
    );
  });

  it('takes BUILD_REVISION as the build gave it: a commit, or unknown when unset or empty (an image built without one)', () => {
    expect(loadGatewayConfig({ ...base, BUILD_REVISION: '0b1d1a3' }).revision).toBe('0b1d1a3');
    expect(loadGatewayConfig({ ...base, BUILD_REVISION: '' }).revision).toBe('unknown');
    expect(loadGatewayConfig(base).revision).toBe('unknown');
    expect(() => loadGatewayConfig({ ...base, BUILD_REVISION: 'a b' })).toThrow(/BUILD_REVISION/);
  });
});
