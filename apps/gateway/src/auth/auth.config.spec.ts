import { loadGatewayConfig } from '../gateway.config';

const base = {
  DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
  OIDC_ISSUER: 'https://idp.example.test/realms/corp',
  OIDC_AUDIENCE: 'https://self-service.example.test/api',
};

describe('authentication settings', () => {
  it('names SSO callers sso:<name>, takes only RFC 9068 access tokens living at most a day, by default', () => {
    const { auth } = loadGatewayConfig(base);
    expect(auth.oidc).toMatchObject({ usernamePrefix: 'sso:', requireAtJwt: true, maxTokenAgeSeconds: 86400 });
    expect(
      loadGatewayConfig({
        ...base,
        OIDC_USERNAME_PREFIX: 'corp/',
        OIDC_REQUIRE_AT_JWT: 'false',
        OIDC_MAX_TOKEN_AGE_SECONDS: '0',
      }).auth.oidc,
    ).toMatchObject({ usernamePrefix: 'corp/', requireAtJwt: false, maxTokenAgeSeconds: 0 });
  });

  it('refuses to start with a username prefix that would let a token act as a local user', () => {
    for (const prefix of ['', 'sso-', 'sso', 'operator:']) {
      expect(() => loadGatewayConfig({ ...base, OIDC_USERNAME_PREFIX: prefix })).toThrow(/OIDC_USERNAME_PREFIX/);
    }
  });

  it('bounds password verifications and event streams, and refuses nonsense limits', () => {
    const config = loadGatewayConfig({
      ...base,
      LOGIN_VERIFY_CONCURRENCY: '3',
      LOGIN_VERIFY_QUEUE: '0',
      LOGIN_VERIFY_WAIT_MS: '250',
      STREAM_MAX_PER_USER: '5',
    });
    expect(config.auth.passwordVerification).toEqual({ concurrency: 3, maxWaiting: 0, maxWaitMs: 250 });
    expect(config.streams).toEqual({ maxPerUser: 5, maxPerProcess: 2000 });
    const defaults = loadGatewayConfig(base);
    expect(defaults.auth.passwordVerification).toMatchObject({ maxWaiting: 8, maxWaitMs: 1000 });
    expect(defaults.auth.passwordVerification.concurrency).toBeGreaterThanOrEqual(1);
    expect(defaults.streams).toEqual({ maxPerUser: 20, maxPerProcess: 2000 });
    for (const [name, value] of [
      ['LOGIN_VERIFY_CONCURRENCY', '0'],
      ['LOGIN_VERIFY_QUEUE', '-1'],
      ['STREAM_MAX_PER_USER', '0'],
      ['STREAM_MAX_PER_PROCESS', 'many'],
    ]) {
      expect(() => loadGatewayConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
    }
  });
});
