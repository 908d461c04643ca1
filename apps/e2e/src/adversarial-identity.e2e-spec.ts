import { randomBytes } from 'node:crypto';
import { AccessAdmin, PasswordHasher } from '@oshift/access';
import { AuditLog } from '@oshift/audit';
import { OidcTestProvider, type OidcTestClient, uniqueName } from '@oshift/testing';
import { followJob } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

const AUDIENCE = 'https://self-service.example.test/api';
const secret = () => randomBytes(24).toString('base64url');

/** Tokens that try to act as someone they are not, or to outlive what a token may: each is refused. */
describe('adversarial: SSO identities', () => {
  let provider: OidcTestProvider;
  let system: SystemUnderTest;
  let base: string;
  /** The local user `operator`, with the reboot role on the cluster. */
  const operator: TestUser = { username: 'operator', password: `pw-${secret()}` };

  const call = (token: string, method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}) =>
    system.request(method, path, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const expectInvalidToken = async (response: Response) => {
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="OpenShift self-service", error="invalid_token"',
    );
    expect(await response.json()).toEqual({ error: 'Unauthorized' });
  };
  /** Why the gateway refused the bearer tokens it refused, as the audit trail tells. */
  const refusals = async () =>
    (await AuditLog.query(system.dataSource, { actor: 'anonymous', limit: 1000 }))
      .filter((event) => event.action === 'auth.login' && event.detail.method === 'bearer')
      .map((event) => event.detail.reason);
  /** An SSO client whose tokens name the caller `operator`, with these groups. */
  const namedOperator = async (groups: string[], ttlSeconds?: number): Promise<OidcTestClient> => {
    const client = {
      clientId: uniqueName('client'),
      clientSecret: secret(),
      claims: { preferred_username: 'operator', groups },
      ttlSeconds,
    };
    await provider.addClient(client);
    return client;
  };

  beforeAll(async () => {
    provider = await OidcTestProvider.start();
    // Production defaults otherwise: 30 s of clock tolerance, a day's longest token life, RFC 9068 types required.
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1000 },
      gatewayEnv: { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: AUDIENCE },
    });
    base = `/api/openshift/${system.clusterId}`;
    const access = new AccessAdmin(system.dataSource, new PasswordHasher());
    await access.addUser(operator.username, operator.password, 'e2e-setup');
    await access.grant(operator.username, system.clusterId, 'reboot', 'e2e-setup');
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await provider?.stop();
  });

  it('makes a token named like a local user sso:<name>, with none of the local user’s grants', async () => {
    const impostor = await provider.token(await namedOperator([]), AUDIENCE);
    const me = await call(impostor, 'GET', '/api/me');
    expect([me.status, await me.json()]).toEqual([200, { user: 'sso:operator', clusters: [] }]);
    const nodes = await call(impostor, 'GET', `${base}/nodestatus`);
    expect([nodes.status, await nodes.text()]).toEqual([404, '{"error":"Not Found"}']);
    const reboot = await system.request('POST', `${base}/reboot`, {
      headers: { authorization: `Bearer ${impostor}` },
      form: { target: 'worker-0.openstacklocal' },
    });
    expect([reboot.status, await reboot.text()]).toEqual([404, '{"error":"Not Found"}']);
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(0);
    // The local operator is still who it was.
    const local = await system.request('GET', '/api/me', { user: operator });
    expect(await local.json()).toEqual({
      user: 'operator',
      clusters: [{ id: system.clusterId, roles: ['read', 'reboot'] }],
    });
  });

  it('keeps jobs, the audit trail and Idempotency-Keys of sso:operator apart from the local operator', async () => {
    const sso = await provider.token(await namedOperator([`oshift:${system.clusterId}:reboot`]), AUDIENCE);
    const key = uniqueName('key');
    const reboot = (headers: Record<string, string>) =>
      system.request('POST', `${base}/reboot`, {
        headers: { 'idempotency-key': key, ...headers },
        form: { target: 'worker-2.openstacklocal' },
      });
    const asLocal = { authorization: `Basic ${Buffer.from(`operator:${operator.password}`).toString('base64')}` };
    const local = await reboot(asLocal);
    expect(local.status).toBe(202);
    const { job_id: localJob } = (await local.json()) as { job_id: string };
    await followJob(system, operator, localJob);

    // The same key and request from the SSO caller is a request of its own, not the local operator's replayed.
    const first = await reboot({ authorization: `Bearer ${sso}` });
    expect(first.status).toBe(202);
    const { job_id: ssoJob } = (await first.json()) as { job_id: string };
    expect(ssoJob).not.toBe(localJob);
    const again = await reboot({ authorization: `Bearer ${sso}` });
    expect([again.status, ((await again.json()) as { job_id: string }).job_id]).toEqual([202, ssoJob]);
    await followJob(system, operator, ssoJob);
    expect(system.simulator.rebootActions('worker-2.openstacklocal')).toBe(2);

    const owners = await system.dataSource.query(`SELECT id, requested_by FROM jobs WHERE id = ANY($1) ORDER BY id`, [
      [localJob, ssoJob],
    ]);
    expect(
      Object.fromEntries(owners.map((row: { id: string; requested_by: string }) => [row.id, row.requested_by])),
    ).toEqual({ [localJob]: 'operator', [ssoJob]: 'sso:operator' });
    const jobsOf = async (actor: string) =>
      (await AuditLog.query(system.dataSource, { actor, limit: 1000 }))
        .filter((event) => event.action === 'node.reboot' && event.outcome === 'accepted')
        .map((event) => event.detail.jobId);
    expect(await jobsOf('operator')).toEqual([localJob]);
    expect(await jobsOf('sso:operator')).toEqual([ssoJob]);
    // The job's own view names the SSO caller the same way.
    const view = await system.request('GET', `${base}/job/${ssoJob}`, { user: operator });
    expect(((await view.json()) as { requested_by: string }).requested_by).toBe('sso:operator');
  });

  it('refuses an ID token presented as a bearer token, even one whose audience is this API', async () => {
    // A client whose id is the API's identifier: the ID tokens it gets carry the audience the gateway expects.
    await provider.addClient({ clientId: AUDIENCE, clientSecret: secret() });
    await provider.addAccount('operator', {
      preferred_username: 'operator',
      groups: [`oshift:${system.clusterId}:reboot`],
    });
    const idToken = await provider.idToken(AUDIENCE, 'operator');
    await expectInvalidToken(await call(idToken, 'GET', `${base}/nodestatus`));
    await expectInvalidToken(
      await call(await provider.idToken(AUDIENCE, 'operator', { nonce: secret() }), 'GET', '/api/me'),
    );
    expect(await refusals()).toEqual(expect.arrayContaining(['not an access token (typ)']));
    // The provider's access tokens for the same caller are taken.
    const access = await call(await provider.token(await namedOperator([]), AUDIENCE), 'GET', '/api/me');
    expect(access.status).toBe(200);
  });

  it('refuses a token living longer than a day, and one issued in the future beyond the clock tolerance', async () => {
    /** A token from the provider while its clock runs `seconds` ahead of the gateway's. */
    const issuedAhead = async (client: OidcTestClient, seconds: number) => {
      await provider.setClock(seconds);
      try {
        return await provider.token(client, AUDIENCE);
      } finally {
        await provider.setClock(0);
      }
    };
    const audited = async () =>
      (await AuditLog.query(system.dataSource, { actor: 'sso:operator', limit: 1000 })).length;
    const before = await audited();
    const overlong = await provider.token(
      await namedOperator([`oshift:${system.clusterId}:reboot`], 86400 + 3600),
      AUDIENCE,
    );
    await expectInvalidToken(
      await system.request('POST', `${base}/reboot`, {
        headers: { authorization: `Bearer ${overlong}` },
        form: { target: 'worker-1.openstacklocal' },
      }),
    );
    // A provider whose clock runs two minutes ahead: past the default 30 s tolerance.
    const client = await namedOperator([`oshift:${system.clusterId}:reboot`]);
    await expectInvalidToken(await call(await issuedAhead(client, 120), 'GET', `${base}/nodestatus`));
    expect(await refusals()).toEqual(expect.arrayContaining(['lifetime too long', 'issued in the future']));
    // Nothing was recorded in the name of the refused tokens' caller, and nothing rebooted.
    expect(await audited()).toBe(before);
    expect(system.simulator.rebootActions('worker-1.openstacklocal')).toBe(0);
    // Ten seconds ahead is within the tolerance.
    expect((await call(await issuedAhead(client, 10), 'GET', `${base}/nodestatus`)).status).toBe(200);
  });
});
