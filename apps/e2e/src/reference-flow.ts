import { AccessAdmin, PasswordHasher } from '@oshift/access';
import { followJob } from './job-polling';
import type { SystemUnderTest, TestUser } from './system-under-test';

const NODES = [
  'haproxy-0',
  'haproxy-1',
  'infra-0',
  'infra-1',
  'master-0',
  'master-1',
  'master-2',
  'worker-0',
  'worker-1',
  'worker-2',
].map((name) => `${name}.openstacklocal`);

/**
 * The API reference, played over HTTP against gateway, worker and simulator: `start` gives the system (with its
 * Redis and Postgres as the caller sets them up), `afterStop` tears down what the caller started for it.
 */
export function describeReferenceFlow(
  title: string,
  start: () => Promise<SystemUnderTest>,
  afterStop?: () => Promise<void>,
): void {
  describe(title, () => {
    let system: SystemUnderTest;
    let viewer: TestUser;
    let operator: TestUser;
    let stranger: TestUser;
    let base: string;

    beforeAll(async () => {
      system = await start();
      [viewer, operator, stranger] = await Promise.all([
        system.user(['read']),
        system.user(['reboot']),
        system.user([]),
      ]);
      base = `/api/openshift/${system.clusterId}`;
    }, 120000);

    afterAll(async () => {
      await system?.stop();
      await afterStop?.();
    });

    it('lists every VM of the cluster with its Nova status, in natural name order', async () => {
      const response = await system.request('GET', `${base}/nodestatus`, { user: viewer });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual(NODES.map((nodename) => ({ nodename, status: 'ACTIVE' })));
    });

    it('reboots a node: 202 with the job, output growing line by line, ending ACTIVE then Done', async () => {
      const response = await system.request('POST', `${base}/reboot`, {
        user: operator,
        form: { target: 'worker-0.openstacklocal' },
      });
      expect(response.status).toBe(202);
      const started = (await response.json()) as { state: string; job_id: string; status_url: string };
      expect(Object.keys(started).sort()).toEqual(['job_id', 'state', 'status_url']);
      expect(started.state).toBe('started');
      expect(started.job_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(started.status_url).toBe(`${system.publicUrl}${base}/job/${started.job_id}`);
      expect(response.headers.get('location')).toBe(started.status_url);

      // A second reboot of the same node while the first runs: 409, naming the running job.
      const again = await system.request('POST', `${base}/reboot`, {
        user: operator,
        form: { target: 'worker-0.openstacklocal' },
      });
      expect(again.status).toBe(409);
      expect(await again.json()).toEqual({
        error: 'A reboot of this node is already running',
        job_id: started.job_id,
        status_url: started.status_url,
      });

      // followJob checks on every poll that the output only grew.
      const last = await followJob(system, viewer, started.job_id);
      expect(last.errors).toBe('');
      const lines = last.output.split('\n');
      expect(lines.slice(-2)).toEqual(['worker-0.openstacklocal ACTIVE', 'Done']);
      // One REBOOT line or more: a 1.5 s reboot polled every second may be seen rebooting once.
      const rebooting = lines.slice(0, -2);
      expect(rebooting.length).toBeGreaterThanOrEqual(1);
      expect(new Set(rebooting)).toEqual(new Set(['worker-0.openstacklocal REBOOT']));
      expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(1);
    });

    it('accepts the target as JSON too', async () => {
      const response = await system.request('POST', `${base}/reboot`, {
        user: operator,
        json: { target: 'infra-1.openstacklocal' },
      });
      expect(response.status).toBe(202);
      const started = (await response.json()) as { job_id: string };
      const last = await followJob(system, operator, started.job_id);
      expect(last.output.split('\n').slice(-1)).toEqual(['Done']);
    });

    it('gives a read-only user and an unknown node the very same 404 bytes', async () => {
      const denied = await system.request('POST', `${base}/reboot`, {
        user: viewer,
        form: { target: 'worker-1.openstacklocal' },
      });
      const unknown = await system.request('POST', `${base}/reboot`, {
        user: operator,
        form: { target: 'worker-9.openstacklocal' },
      });
      const deniedBody = await denied.text();
      expect([denied.status, unknown.status]).toEqual([404, 404]);
      expect(deniedBody).toBe('{"error":"Node Not found"}');
      expect(await unknown.text()).toBe(deniedBody);
      expect(denied.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
      expect(system.simulator.rebootActions('worker-1.openstacklocal')).toBe(0);
    });

    it('asks for credentials with a JSON 401 and WWW-Authenticate', async () => {
      for (const user of [
        undefined,
        { username: viewer.username, password: 'wrong-password' },
        { username: 'nobody-here', password: 'x' },
      ]) {
        const response = await system.request('GET', `${base}/nodestatus`, { user });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
        expect(await response.json()).toEqual({ error: 'Unauthorized' });
      }
    });

    it('reads Basic credentials the RFC 7617 way: colons belong to the password', async () => {
      const user = { username: `colon-${Date.now().toString(36)}`, password: 'pa:ss:word-123' };
      const access = new AccessAdmin(system.dataSource, new PasswordHasher());
      await access.addUser(user.username, user.password, 'e2e-setup', [{ clusterId: system.clusterId, role: 'read' }]);
      const statuses = [];
      for (const password of [user.password, 'pa', 'pa:ss:word-123:extra']) {
        statuses.push((await system.request('GET', `${base}/nodestatus`, { user: { ...user, password } })).status);
      }
      expect(statuses).toEqual([200, 401, 401]);
    });

    it('hides clusters the caller is not granted: same 404 as a cluster that does not exist', async () => {
      const notGranted = await system.request('GET', `${base}/nodestatus`, { user: stranger });
      const missing = await system.request('GET', `/api/openshift/no-such-cluster.example.test/nodestatus`, {
        user: viewer,
      });
      expect([notGranted.status, missing.status]).toEqual([404, 404]);
      expect(await notGranted.text()).toBe('{"error":"Not Found"}');
      expect(await missing.text()).toBe('{"error":"Not Found"}');
    });

    it('answers unknown jobs and routes with JSON 404s', async () => {
      const job = await system.request('GET', `${base}/job/AAAAAAAAAAAAAAAAAAAAAA`, { user: viewer });
      expect(job.status).toBe(404);
      expect(await job.json()).toEqual({ error: 'Job Not found' });
      const route = await system.request('GET', `/nope`, { user: viewer });
      expect(route.status).toBe(404);
      expect(await route.json()).toEqual({ error: 'Not Found' });
    });

    it('rejects bad input with clear JSON errors and starts nothing', async () => {
      const cases: [Parameters<SystemUnderTest['request']>[2], number, string][] = [
        [{ form: {} }, 400, 'target is required'],
        [{ form: { target: '../etc/passwd' } }, 400, 'target must be a node name'],
        [{ json: { target: 42 } }, 400, 'target is required'],
        [{ body: '{"target":', headers: { 'content-type': 'application/json' } }, 400, 'Bad Request'],
        [{ body: 'target=x', headers: { 'content-type': 'text/xml' } }, 415, 'Unsupported Media Type'],
        [{ form: { target: 'x'.repeat(20000) } }, 413, 'Payload Too Large'],
      ];
      for (const [options, status, error] of cases) {
        const response = await system.request('POST', `${base}/reboot`, { user: operator, ...options });
        expect({ status: response.status, body: await response.json() }).toEqual({ status, body: { error } });
      }
      const all = await system.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE cluster_id = $1`, [
        system.clusterId,
      ]);
      expect(all[0].n).toBe(2);
    });

    it('builds status_url from the configured public URL, never from the Host header', async () => {
      const response = await system.request('POST', `${base}/reboot`, {
        user: operator,
        form: { target: 'master-2.openstacklocal' },
        headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example' },
      });
      expect(response.status).toBe(202);
      const started = (await response.json()) as { job_id: string; status_url: string };
      expect(started.status_url).toBe(`${system.publicUrl}${base}/job/${started.job_id}`);
      await followJob(system, operator, started.job_id);
    });
  });
}
