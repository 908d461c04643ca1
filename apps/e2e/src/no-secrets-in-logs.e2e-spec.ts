import { randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { demoProject } from '@oshift/openstack-sim';
import { OidcTestProvider, type OidcTestClient } from '@oshift/testing';
import { SystemUnderTest, type TestUser } from './system-under-test';

const AUDIENCE = 'https://self-service.example.test/api';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Runs gateway and worker at their most talkative, drives every way of authenticating (right and wrong
 * passwords, bearer tokens good and bad) and reboots, then looks for every credential in what they logged
 * and in the audit trail: none may be there.
 */
describe('no secrets in logs or in the audit trail', () => {
  let provider: OidcTestProvider;
  let system: SystemUnderTest;
  /** Each secret with a label, so a failure says what leaked without printing it. */
  const secrets = new Map<string, string>();
  const remember = (label: string, ...values: string[]) =>
    values.forEach((value, index) => secrets.set(value, `${label}#${secrets.size}.${index}`));

  beforeAll(async () => {
    provider = await OidcTestProvider.start();
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 800 },
      gatewayEnv: {
        LOG_LEVEL: 'trace',
        OIDC_ISSUER: provider.issuer,
        OIDC_AUDIENCE: AUDIENCE,
        LOGIN_FAILURES_PER_USER_ADDRESS: '3',
      },
      workerEnv: { LOG_LEVEL: 'trace' },
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await provider?.stop();
  });

  it('never writes a password, an Authorization header, a token or the OpenStack password', async () => {
    const base = `/api/openshift/${system.clusterId}`;
    const [operator, viewer, victim] = await Promise.all([
      system.user(['reboot']),
      system.user(['read']),
      system.user(['read']),
    ]);
    const withBasic = (user: TestUser) => {
      const header = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
      remember(`basic:${user.username}`, user.password, header, header.slice('Basic '.length));
      return { headers: { authorization: header } };
    };
    const withBearer = (token: string) => {
      remember('bearer', token, `Bearer ${token}`, token.split('.')[2]);
      return { headers: { authorization: `Bearer ${token}` } };
    };

    // HTTP Basic: right, wrong, unknown user, until throttled.
    expect((await system.request('GET', `${base}/nodestatus`, withBasic(victim))).status).toBe(200);
    for (let i = 0; i < 4; i += 1) {
      const wrong = { ...victim, password: `wrong-${randomBytes(6).toString('hex')}` };
      expect([401, 429]).toContain((await system.request('GET', `${base}/nodestatus`, withBasic(wrong))).status);
    }
    const ghost = {
      username: `ghost-${randomBytes(3).toString('hex')}`,
      password: `ghost-pw-${randomBytes(6).toString('hex')}`,
    };
    expect((await system.request('GET', `${base}/nodestatus`, withBasic(ghost))).status).toBe(401);

    // Bearer tokens: a good one, one for another audience, one signed by an unknown key.
    const client: OidcTestClient = {
      clientId: 'automation',
      clientSecret: `client-secret-${randomBytes(12).toString('hex')}`,
      claims: { preferred_username: 'automation', groups: [`oshift:${system.clusterId}:reboot`] },
    };
    remember('oidc client secret', client.clientSecret);
    await provider.addClient(client);
    const good = await provider.token(client, AUDIENCE);
    expect((await system.request('GET', `${base}/nodestatus`, withBearer(good))).status).toBe(200);
    const elsewhere = await provider.token(client, 'https://elsewhere.example.test');
    expect((await system.request('GET', `${base}/nodestatus`, withBearer(elsewhere))).status).toBe(401);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ groups: [`oshift:${system.clusterId}:reboot`] })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await system.request('GET', `${base}/nodestatus`, withBearer(forged))).status).toBe(401);

    // Reboots: accepted through Basic and through a token, refused, and each job run to its end.
    const jobs: string[] = [];
    for (const [options, target] of [
      [withBasic(operator), 'worker-0.openstacklocal'],
      [withBearer(good), 'worker-1.openstacklocal'],
    ] as const) {
      const started = await system.request('POST', `${base}/reboot`, { ...options, form: { target } });
      expect(started.status).toBe(202);
      jobs.push(((await started.json()) as { job_id: string }).job_id);
    }
    expect(
      (
        await system.request('POST', `${base}/reboot`, {
          ...withBasic(viewer),
          form: { target: 'worker-2.openstacklocal' },
        })
      ).status,
    ).toBe(404);
    for (const jobId of jobs) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { output } = (await (
          await system.request('GET', `${base}/job/${jobId}`, withBasic(operator))
        ).json()) as {
          output: string;
        };
        if (/(^|\n)(Done|Fail)$/.test(output)) break;
        if (Date.now() > deadline) throw new Error(`job ${jobId} did not end: ${output}`);
        await sleep(200);
      }
    }
    remember('openstack', demoProject().users[0].password);

    const logs = [system.gateway.logs, ...system.workers.map((worker) => worker.logs)].join('\n');
    const audit = JSON.stringify(await system.dataSource.query(`SELECT * FROM audit_events`));
    // The logs did record the activity (so the check below looks at something real).
    expect(logs).toMatch(/login failed/);
    expect(logs).toMatch(/reboot accepted/);
    expect(audit).toMatch(/"auth\.login"/);
    const leaks = [...secrets]
      .filter(([value]) => value.length >= 6 && (logs.includes(value) || audit.includes(value)))
      .map(([value, label]) => `${label} in ${logs.includes(value) ? 'logs' : 'audit'}`);
    expect(leaks).toEqual([]);
    expect(secrets.size).toBeGreaterThan(15);
  });
});
