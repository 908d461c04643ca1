import type Redis from 'ioredis';
import { AccessAdmin, PasswordHasher, RedisAccessChangeNotifier } from '@oshift/access';
import { type AuditEventEntity, AuditLog } from '@oshift/audit';
import { connectRedis } from '@oshift/redis';
import { AppProcess, TcpProxy, testServices, uniqueName } from '@oshift/testing';
import { basic, requestFrom, type Answer } from './request-from';
import { SystemUnderTest, type TestUser } from './system-under-test';

const WINDOW_SECONDS = 4;
const PER_USER_ADDRESS = 3;
const PER_ADDRESS = 8;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the admin CLI as an operator would, the password piped on stdin. */
async function adminCli(args: string[], input: string, env: Record<string, string>) {
  const cliEnv = { DATABASE_URL: testServices().databaseUrl, ADMIN_ACTOR: 'e2e:access', ...env };
  const { status, stderr } = await AppProcess.run('apps/admin/src/main.ts', args, { env: cliEnv, input });
  return { status, stderr };
}

describe('access: cache invalidation, failed-login throttling, audit trail', () => {
  let system: SystemUnderTest;
  let redis: Redis;
  let admin: AccessAdmin;
  let base: string;
  /** Every test speaks from addresses of its own, so throttling counters never cross tests. */
  let nextAddress = 10;
  const newAddress = () => `127.0.0.${nextAddress++}`;

  const call = (
    address: string,
    path: string,
    options: {
      user?: TestUser;
      method?: 'GET' | 'POST';
      form?: Record<string, string>;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> =>
    requestFrom(address, `${system.baseUrl}${path}`, {
      method: options.method ?? 'GET',
      headers: {
        ...(options.user ? { authorization: basic(options.user.username, options.user.password) } : {}),
        ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...options.headers,
      },
      body: options.form ? new URLSearchParams(options.form).toString() : undefined,
    });

  /** Polls until `path` answers `status` from `address`; the time it took, or a failure after `withinMs`. */
  async function answersWithin(address: string, path: string, user: TestUser, status: number, withinMs: number) {
    const started = Date.now();
    for (;;) {
      const answer = await call(address, path, { user });
      if (answer.status === status) return Date.now() - started;
      if (Date.now() - started > withinMs)
        throw new Error(`still ${answer.status} ${answer.body} after ${withinMs} ms`);
      await sleep(20);
    }
  }

  const auditOf = async (filter: (event: AuditEventEntity) => boolean) =>
    (await AuditLog.query(system.dataSource, { limit: 10000 })).filter(filter).reverse();

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1000 },
      gatewayEnv: {
        LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
        LOGIN_FAILURES_PER_USER_ADDRESS: String(PER_USER_ADDRESS),
        LOGIN_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
      },
    });
    redis = connectRedis(testServices().redisUrl, 'commands');
    await new Promise((ready) => redis.once('ready', ready));
    admin = new AccessAdmin(system.dataSource, new PasswordHasher(), {
      notifier: new RedisAccessChangeNotifier(redis, system.redisPrefix),
    });
    base = `/api/openshift/${system.clusterId}`;
  }, 120_000);

  afterAll(async () => {
    await redis?.quit();
    await system?.stop();
  });

  describe('a change to a user takes effect on the gateway at once, despite its credential cache', () => {
    it('shows the cache at work: a change nobody announces goes unnoticed until the notice', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      expect((await call(address, `${base}/nodestatus`, { user })).status).toBe(200);
      await new AccessAdmin(system.dataSource, new PasswordHasher()).setPassword(
        user.username,
        'unannounced-pw',
        'e2e',
      );
      await sleep(500);
      expect((await call(address, `${base}/nodestatus`, { user })).status).toBe(200);

      const [{ id }] = await system.dataSource.query(`SELECT id FROM users WHERE username = $1`, [user.username]);
      await new RedisAccessChangeNotifier(redis, system.redisPrefix).accessChanged(id);
      expect(await answersWithin(address, `${base}/nodestatus`, user, 401, 1000)).toBeLessThan(1000);
    });

    it('setPassword: the old password stops working right away, the new one works', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      expect((await call(address, `${base}/nodestatus`, { user })).status).toBe(200);
      await admin.setPassword(user.username, 'brand-new-password', 'e2e');
      expect(await answersWithin(address, `${base}/nodestatus`, user, 401, 1000)).toBeLessThan(1000);
      const renewed = { ...user, password: 'brand-new-password' };
      expect((await call(address, `${base}/nodestatus`, { user: renewed })).status).toBe(200);
    });

    it('revoke: the cluster disappears right away', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      expect((await call(address, `${base}/nodestatus`, { user })).status).toBe(200);
      await admin.revoke(user.username, system.clusterId, 'read', 'e2e');
      expect(await answersWithin(address, `${base}/nodestatus`, user, 404, 1000)).toBeLessThan(1000);
    });

    it('setDisabled: a disabled user is refused right away', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      expect((await call(address, `${base}/nodestatus`, { user })).status).toBe(200);
      await admin.setDisabled(user.username, true, 'e2e');
      expect(await answersWithin(address, `${base}/nodestatus`, user, 401, 1000)).toBeLessThan(1000);
    });

    it('the admin CLI announces its changes when given REDIS_URL, and says when it cannot', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      expect((await call(address, `${base}/nodestatus`, { user })).status).toBe(200);
      const announced = await adminCli(['user', 'passwd', user.username], 'cli-password-1\n', {
        REDIS_URL: testServices().redisUrl,
        REDIS_PREFIX: system.redisPrefix,
      });
      expect(announced).toEqual({ status: 0, stderr: '' });
      expect(await answersWithin(address, `${base}/nodestatus`, user, 401, 1000)).toBeLessThan(1000);

      const silent = await adminCli(['grant', user.username, system.clusterId, 'reboot'], '', {});
      expect(silent.status).toBe(0);
      expect(silent.stderr).toMatch(
        /^note: REDIS_URL is not set, so gateways pick the change up within CREDENTIAL_CACHE_TTL_SECONDS/,
      );
    });
  });

  describe('failed-login throttling', () => {
    it('refuses a username from an address after the limit with 429 and Retry-After, until the window ends', async () => {
      const [attacker, elsewhere] = [newAddress(), newAddress()];
      const user = await system.user(['read']);
      const wrong = { ...user, password: 'wrong-password' };
      for (let i = 0; i < PER_USER_ADDRESS; i += 1) {
        expect((await call(attacker, `${base}/nodestatus`, { user: wrong })).status).toBe(401);
      }
      // Over the limit even the right password is refused, unverified.
      const started = Date.now();
      const refused = await call(attacker, `${base}/nodestatus`, { user });
      expect(refused.status).toBe(429);
      expect(refused.body).toBe('{"error":"Too Many Requests"}');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(Date.now() - started).toBeLessThan(1000);

      // The same user from another address is not affected, and its success resets nothing at the first.
      expect((await call(elsewhere, `${base}/nodestatus`, { user })).status).toBe(200);
      expect((await call(attacker, `${base}/nodestatus`, { user })).status).toBe(429);
      // Without TRUST_PROXY a forwarded-for header is just a header.
      const spoofed = await call(attacker, `${base}/nodestatus`, {
        user,
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      expect(spoofed.status).toBe(429);

      // Never a lockout: once the window has passed, the right password works again.
      await sleep(Number(refused.headers['retry-after']) * 1000 + 200);
      expect((await call(attacker, `${base}/nodestatus`, { user })).status).toBe(200);
    });

    it('refuses every username from an address past the address limit', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      for (let i = 0; i < PER_ADDRESS; i += 1) {
        const guess = { username: `nobody-${i}-${uniqueName('u')}`, password: 'guess' };
        expect((await call(address, `${base}/nodestatus`, { user: guess })).status).toBe(401);
      }
      expect((await call(address, `${base}/nodestatus`, { user })).status).toBe(429);
      expect((await call(newAddress(), `${base}/nodestatus`, { user })).status).toBe(200);
    });

    it('answers an unknown user exactly as a wrong password, in about the same time', async () => {
      const user = await system.user(['read']);
      const unknownMs: number[] = [];
      const wrongMs: number[] = [];
      const answers: string[] = [];
      for (let round = 0; round < 5; round += 1) {
        const address = newAddress();
        let started = Date.now();
        const unknown = await call(address, `${base}/nodestatus`, {
          user: { username: uniqueName('ghost'), password: 'pw' },
        });
        unknownMs.push(Date.now() - started);
        started = Date.now();
        const wrong = await call(address, `${base}/nodestatus`, { user: { ...user, password: `wrong-${round}` } });
        wrongMs.push(Date.now() - started);
        for (const answer of [unknown, wrong]) {
          answers.push(
            JSON.stringify([
              answer.status,
              answer.body,
              answer.headers['www-authenticate'],
              answer.headers['content-type'],
            ]),
          );
        }
      }
      expect(new Set(answers).size).toBe(1);
      expect(JSON.parse(answers[0])).toEqual([
        401,
        '{"error":"Unauthorized"}',
        expect.stringMatching(/^Basic realm="/),
        expect.stringMatching(/^application\/json/),
      ]);
      // Both verify an argon2 hash; the medians are of the same order (a generous factor: this is a shared machine).
      expect(median(unknownMs) / median(wrongMs)).toBeGreaterThan(1 / 4);
      expect(median(unknownMs) / median(wrongMs)).toBeLessThan(4);
    });
  });

  describe('audit trail', () => {
    it('records every reboot request, accepted or refused and why, and the end of each job', async () => {
      const address = newAddress();
      const [operator, viewer, stranger] = await Promise.all([
        system.user(['reboot']),
        system.user(['read']),
        system.user([]),
      ]);
      const reboot = (user: TestUser, form: Record<string, string>) =>
        call(address, `${base}/reboot`, { user, method: 'POST', form });

      const accepted = await reboot(operator, { target: 'worker-1.openstacklocal' });
      expect(accepted.status).toBe(202);
      const jobId = (JSON.parse(accepted.body) as { job_id: string }).job_id;
      expect((await reboot(operator, { target: 'worker-1.openstacklocal' })).status).toBe(409);
      expect((await reboot(operator, { target: 'worker-9.openstacklocal' })).status).toBe(404);
      expect((await reboot(operator, { target: '../etc/passwd' })).status).toBe(400);
      expect((await reboot(viewer, { target: 'worker-2.openstacklocal' })).status).toBe(404);
      expect((await reboot(stranger, { target: 'worker-2.openstacklocal' })).status).toBe(404);

      const deadline = Date.now() + 30_000;
      let ends: AuditEventEntity[] = [];
      while (ends.length === 0 && Date.now() < deadline) {
        await sleep(200);
        ends = await auditOf((event) => event.action === 'job.end' && event.detail.jobId === jobId);
      }
      const requests = await auditOf(
        (event) =>
          event.action === 'node.reboot' && [operator, viewer, stranger].some((user) => user.username === event.actor),
      );
      expect(requests.map((event) => [event.actor, event.target, event.outcome, event.detail.reason ?? null])).toEqual([
        [operator.username, 'worker-1.openstacklocal', 'accepted', null],
        [operator.username, 'worker-1.openstacklocal', 'refused', 'already running'],
        [operator.username, 'worker-9.openstacklocal', 'refused', 'unknown node'],
        [operator.username, '../etc/passwd', 'refused', 'invalid input'],
        [viewer.username, 'worker-2.openstacklocal', 'denied', 'no nodes:reboot permission'],
        [stranger.username, 'worker-2.openstacklocal', 'denied', 'no role on the cluster'],
      ]);
      for (const event of requests) {
        expect(event).toMatchObject({ source: address, clusterId: system.clusterId });
        expect(event.detail).toMatchObject({ method: 'basic', requestId: expect.any(String) });
      }
      expect(requests[0].detail.jobId).toBe(jobId);
      expect(requests[1].detail.runningJobId).toBe(jobId);
      expect(ends).toHaveLength(1);
      expect(ends[0]).toMatchObject({
        actor: 'worker',
        clusterId: system.clusterId,
        target: 'worker-1.openstacklocal',
        outcome: 'done',
        detail: { jobId, requestedBy: operator.username, errors: '' },
      });
      expect(system.simulator.rebootActions('worker-2.openstacklocal')).toBe(0);
    });

    it('records failed logins with the username tried (a keyed hash for names that are no user), never the password', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      const ghost = uniqueName('ghost');
      await call(address, `${base}/nodestatus`, { user: { ...user, password: 'not-the-password-1' } });
      await call(address, `${base}/nodestatus`, { user: { username: ghost, password: 'not-the-password-2' } });
      await system.dataSource.query(`UPDATE users SET disabled = true WHERE username = $1`, [user.username]);
      await call(address, `${base}/nodestatus`, { user });
      for (let i = 0; i < PER_USER_ADDRESS + 2; i += 1) {
        await call(address, `${base}/nodestatus`, { user: { ...user, password: 'not-the-password-3' } });
      }
      const events = await auditOf((event) => event.action === 'auth.login' && event.source === address);
      const hashed = events[1].actor;
      expect(hashed).toMatch(/^unknown:[0-9a-f]{32}$/);
      expect(JSON.stringify(events)).not.toContain(ghost);
      expect(events.map((event) => [event.actor, event.target, event.outcome, event.detail.reason])).toEqual([
        [user.username, user.username, 'failed', 'wrong password'],
        [hashed, hashed, 'failed', 'unknown user'],
        [user.username, user.username, 'failed', 'disabled'],
        [user.username, user.username, 'failed', 'wrong password'],
        // The window's first refusal is recorded once, however many follow.
        [user.username, user.username, 'throttled', 'throttled'],
      ]);
      expect(JSON.stringify(events)).not.toMatch(/not-the-password|pw-/);
    });
  });

  it('refuses bearer tokens with a Basic challenge when SSO is not configured', async () => {
    const answer = await call(newAddress(), `${base}/nodestatus`, {
      headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' },
    });
    expect([answer.status, answer.body]).toEqual([401, '{"error":"Unauthorized"}']);
    expect(answer.headers['www-authenticate']).toMatch(/^Basic realm="/);
  });

  describe('behind a proxy, and with Redis away', () => {
    let proxy: TcpProxy;

    beforeAll(async () => {
      proxy = await TcpProxy.forUrl(testServices().redisUrl);
      await system.gateway.stop();
      await system.startGateway({
        LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
        LOGIN_FAILURES_PER_USER_ADDRESS: String(PER_USER_ADDRESS),
        LOGIN_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
        TRUST_PROXY: '127.0.0.1',
        REDIS_URL: proxy.url(testServices().redisUrl),
      });
    }, 120_000);

    afterAll(() => proxy?.close());

    it('with TRUST_PROXY, counts and audits the forwarded client address', async () => {
      const user = await system.user(['read']);
      const wrong = { ...user, password: 'wrong-password' };
      const from = (client: string) => ({ 'x-forwarded-for': client });
      for (let i = 0; i < PER_USER_ADDRESS; i += 1) {
        await call('127.0.0.1', `${base}/nodestatus`, { user: wrong, headers: from('198.51.100.10') });
      }
      expect((await call('127.0.0.1', `${base}/nodestatus`, { user, headers: from('198.51.100.10') })).status).toBe(
        429,
      );
      expect((await call('127.0.0.1', `${base}/nodestatus`, { user, headers: from('198.51.100.11') })).status).toBe(
        200,
      );
      const events = await auditOf((event) => event.action === 'auth.login' && event.actor === user.username);
      expect(new Set(events.map((event) => event.source))).toEqual(new Set(['198.51.100.10']));
    });

    it('lets logins through unthrottled (and logs a warning) while Redis is unreachable', async () => {
      const address = newAddress();
      const user = await system.user(['read']);
      proxy.pause('refuse');
      try {
        for (let i = 0; i < PER_USER_ADDRESS + 2; i += 1) {
          const answer = await call(address, `${base}/job/AAAAAAAAAAAAAAAAAAAAAA`, {
            user: { ...user, password: 'wrong' },
          });
          expect(answer.status).toBe(401);
        }
        const answer = await call(address, `${base}/job/AAAAAAAAAAAAAAAAAAAAAA`, { user });
        expect([answer.status, answer.body]).toEqual([404, '{"error":"Job Not found"}']);
        expect(system.gateway.logs).toMatch(/login throttling is off while Redis is unavailable/);
      } finally {
        proxy.resume();
      }
    });
  });
});
