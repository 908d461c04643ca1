import { randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { AuditLog } from '@oshift/audit';
import { OidcTestProvider, type OidcTestClient } from '@oshift/testing';
import { SystemUnderTest } from './system-under-test';

const AUDIENCE = 'https://self-service.example.test/api';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const secret = () => randomBytes(24).toString('base64url');

describe('SSO: OpenID Connect bearer tokens from a real provider', () => {
  let provider: OidcTestProvider;
  let system: SystemUnderTest;
  let base: string;
  let operator: OidcTestClient;
  let viewer: OidcTestClient;
  let outsider: OidcTestClient;
  let shortLived: OidcTestClient;

  const call = (token: string, method: 'GET' | 'POST', path: string, form?: Record<string, string>) =>
    system.request(method, path, { headers: { authorization: `Bearer ${token}` }, form });
  const expectInvalidToken = async (response: Response) => {
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="OpenShift self-service", error="invalid_token"',
    );
    expect(await response.json()).toEqual({ error: 'Unauthorized' });
  };

  beforeAll(async () => {
    provider = await OidcTestProvider.start();
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1000 },
      gatewayEnv: {
        OIDC_ISSUER: provider.issuer,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_CLOCK_TOLERANCE_SECONDS: '0',
        OIDC_JWKS_COOLDOWN_SECONDS: '1',
      },
    });
    base = `/api/openshift/${system.clusterId}`;
    operator = {
      clientId: 'ops-automation',
      clientSecret: secret(),
      claims: { preferred_username: 'sso-operator', groups: [`oshift:${system.clusterId}:reboot`, 'staff'] },
    };
    viewer = {
      clientId: 'viewer-app',
      clientSecret: secret(),
      claims: { groups: [`oshift:${system.clusterId}:read`] },
    };
    outsider = {
      clientId: 'outsider',
      clientSecret: secret(),
      claims: { groups: ['oshift:another.cluster.example.test:reboot', `other:${system.clusterId}:reboot`] },
    };
    shortLived = { ...viewer, clientId: 'short-lived', clientSecret: secret(), ttlSeconds: 4 };
    for (const client of [operator, viewer, outsider, shortLived]) await provider.addClient(client);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await provider?.stop();
  });

  it('accepts a token the provider issued, with grants from its groups', async () => {
    const token = await provider.token(viewer, AUDIENCE);
    const nodes = await call(token, 'GET', `${base}/nodestatus`);
    expect(nodes.status).toBe(200);
    expect(((await nodes.json()) as unknown[]).length).toBe(10);
    // read only: a reboot is the same 404 as for an unknown node.
    const denied = await call(token, 'POST', `${base}/reboot`, { target: 'worker-0.openstacklocal' });
    expect([denied.status, await denied.text()]).toEqual([404, '{"error":"Node Not found"}']);
    // Groups for other clusters, or without the prefix, grant nothing here.
    const hidden = await call(await provider.token(outsider, AUDIENCE), 'GET', `${base}/nodestatus`);
    expect([hidden.status, await hidden.text()]).toEqual([404, '{"error":"Not Found"}']);
  });

  it('answers GET /api/me for SSO callers as for Basic ones: the user and the clusters its groups grant', async () => {
    const me = await call(await provider.token(operator, AUDIENCE), 'GET', '/api/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      user: 'sso:sso-operator',
      clusters: [{ id: system.clusterId, roles: ['read', 'reboot'] }],
    });
    const outside = await call(await provider.token(outsider, AUDIENCE), 'GET', '/api/me');
    expect(await outside.json()).toEqual({
      user: 'sso:outsider',
      clusters: [{ id: 'another.cluster.example.test', roles: ['read', 'reboot'] }],
    });
  });

  it('lets a token holding the reboot group reboot, recording the SSO username', async () => {
    const token = await provider.token(operator, AUDIENCE);
    const started = await call(token, 'POST', `${base}/reboot`, { target: 'worker-2.openstacklocal' });
    expect(started.status).toBe(202);
    const { job_id: jobId } = (await started.json()) as { job_id: string };
    const [job] = await system.dataSource.query(`SELECT requested_by FROM jobs WHERE id = $1`, [jobId]);
    expect(job.requested_by).toBe('sso:sso-operator');
    const audit = (await AuditLog.query(system.dataSource, { actor: 'sso:sso-operator' })).find(
      (event) => event.detail.jobId === jobId,
    );
    expect(audit).toMatchObject({ action: 'node.reboot', outcome: 'accepted', detail: { method: 'bearer' } });
  });

  it('refuses a token for another audience and an expired one with 401 invalid_token', async () => {
    await expectInvalidToken(
      await call(await provider.token(viewer, 'https://other-api.example.test'), 'GET', `${base}/nodestatus`),
    );
    const expiring = await provider.token(shortLived, AUDIENCE);
    expect((await call(expiring, 'GET', `${base}/nodestatus`)).status).toBe(200);
    await sleep(5100);
    await expectInvalidToken(await call(expiring, 'GET', `${base}/nodestatus`));
    const reasons = (await AuditLog.query(system.dataSource, { actor: 'anonymous', limit: 1000 }))
      .filter((event) => event.action === 'auth.login' && event.detail.method === 'bearer')
      .map((event) => event.detail.reason);
    expect(reasons).toEqual(expect.arrayContaining(['wrong audience', 'expired']));
  });

  it('refuses a token signed by a key the provider does not publish, and garbage', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ preferred_username: 'mallory', groups: [`oshift:${system.clusterId}:reboot`] })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged-key' })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    await expectInvalidToken(await call(forged, 'POST', `${base}/reboot`, { target: 'worker-0.openstacklocal' }));
    await expectInvalidToken(await call('not.a.token', 'GET', `${base}/nodestatus`));
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(0);
  });

  it('keeps accepting tokens across a key rotation at the provider', async () => {
    const before = await provider.token(viewer, AUDIENCE);
    expect((await call(before, 'GET', `${base}/nodestatus`)).status).toBe(200);
    const kid = await provider.rotateKeys();
    const after = await provider.token(viewer, AUDIENCE);
    expect(JSON.parse(Buffer.from(after.split('.')[0], 'base64url').toString()).kid).toBe(kid);
    await sleep(1100); // the gateway's cooldown between two fetches of the keys (OIDC_JWKS_COOLDOWN_SECONDS)
    expect((await call(after, 'GET', `${base}/nodestatus`)).status).toBe(200);
    expect((await call(before, 'GET', `${base}/nodestatus`)).status).toBe(200);
  });

  it('still takes HTTP Basic beside bearer tokens', async () => {
    const user = await system.user(['read']);
    const response = await system.request('GET', `${base}/nodestatus`, { user });
    expect(response.status).toBe(200);
    const anonymous = await system.request('GET', `${base}/nodestatus`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
  });

  it('answers 503 when a token needs keys the provider cannot serve; known keys keep working', async () => {
    const token = await provider.token(viewer, AUDIENCE);
    const kid = await provider.rotateKeys();
    const unseen = await provider.token(viewer, AUDIENCE);
    expect(JSON.parse(Buffer.from(unseen.split('.')[0], 'base64url').toString()).kid).toBe(kid);
    await provider.stop();
    await sleep(1100);
    expect((await call(token, 'GET', `${base}/nodestatus`)).status).toBe(200);
    const unavailable = await call(unseen, 'GET', `${base}/nodestatus`);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('5');
    expect(await unavailable.json()).toEqual({ error: 'Identity provider unavailable, try again later' });
  });
});
