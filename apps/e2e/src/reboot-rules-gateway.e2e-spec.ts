import { newJobId } from '@oshift/jobs';
import { followJob } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * What the gateway decides from the cluster's reboot rules: `dry_run` answers what a reboot would do and starts
 * nothing; a reboot inside the node's cooldown is a 429 with `Retry-After`; a reboot the rules never allow (the
 * cluster's only HAProxy node) is a 409. Whether an accepted reboot waits is the worker's: the gateway accepts it.
 */
describe('the cluster’s reboot rules at the gateway', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let operator: TestUser;
  let base: string;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 600 } });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    base = `/api/openshift/${system.clusterId}`;
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  afterEach(async () => {
    await system.dataSource.query(`UPDATE clusters SET reboot_policy = NULL WHERE id = $1`, [system.clusterId]);
  });

  const post = async (body: Record<string, unknown>, user = operator, headers: Record<string, string> = {}) => {
    const response = await system.request('POST', `${base}/reboot`, {
      user,
      headers,
      ...(Object.values(body).every((value) => typeof value === 'string')
        ? { form: body as Record<string, string> }
        : { json: body }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  const setPolicy = (policy: unknown) =>
    system.dataSource.query(`UPDATE clusters SET reboot_policy = $2 WHERE id = $1`, [
      system.clusterId,
      JSON.stringify(policy),
    ]);

  const jobsOf = async (target: string) =>
    (
      await system.dataSource.query(`SELECT id FROM jobs WHERE cluster_id = $1 AND target = $2`, [
        system.clusterId,
        target,
      ])
    ).length;

  const auditOf = (target: string) =>
    system.dataSource.query(
      `SELECT actor, outcome, detail - 'method' - 'requestId' AS detail FROM audit_events
        WHERE action = 'node.reboot' AND cluster_id = $1 AND target = $2 ORDER BY id`,
      [system.clusterId, target],
    );

  /** A reboot of `target` the rules count as in flight (admitted, running), held by a lease no worker has. */
  const inFlight = async (target: string): Promise<string> => {
    const id = newJobId();
    await system.dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, admitted_at, started_at, lease_owner, lease_until)
       VALUES ($1, $2, $3, 'running', 'e2e', now(), now(), 'e2e-elsewhere', now() + interval '1 hour')`,
      [id, system.clusterId, target],
    );
    return id;
  };
  // It never attempted a reboot: it is released (no longer in flight) as it ends.
  const endJob = (id: string) =>
    system.dataSource.query(
      `UPDATE jobs SET state = 'failed', finished_at = now(), released_at = now(), lease_until = NULL WHERE id = $1`,
      [id],
    );

  it('answers a dry run with would and reason, starts nothing and audits it as a dry run', async () => {
    const target = 'worker-0.openstacklocal';
    expect(await post({ target, dry_run: 'true' })).toMatchObject({
      status: 200,
      body: { would: 'start', reason: '0 of at most 1 worker reboot in flight', role: 'worker' },
    });
    const json = await post({ target, type: 'HARD', dry_run: true });
    expect(json).toMatchObject({
      status: 200,
      body: { would: 'start', reason: '0 of at most 1 worker reboot in flight', role: 'worker' },
    });
    expect(Object.keys(json.body)).toEqual(['would', 'reason', 'role']);
    expect(json.headers.get('location')).toBeNull();

    expect(await jobsOf(target)).toBe(0);
    expect(system.simulator.rebootActions(target)).toBe(0);
    expect(await auditOf(target)).toEqual([
      {
        actor: operator.username,
        outcome: 'dry-run',
        detail: { type: 'SOFT', would: 'start', reason: '0 of at most 1 worker reboot in flight', role: 'worker' },
      },
      {
        actor: operator.username,
        outcome: 'dry-run',
        detail: { type: 'HARD', would: 'start', reason: '0 of at most 1 worker reboot in flight', role: 'worker' },
      },
    ]);
    // dry_run=false is a real reboot.
    const real = await post({ target, dry_run: 'false' });
    expect(real.status).toBe(202);
    expect((await followJob(system, viewer, real.body.job_id as string)).output).toMatch(/\nDone$/);
  });

  it('refuses a dry_run other than true or false, and answers an unknown node or a read-only user 404', async () => {
    for (const dryRun of ['yes', '1', 'TRUE', '']) {
      expect(await post({ target: 'worker-1.openstacklocal', dry_run: dryRun })).toEqual({
        status: 400,
        headers: expect.anything(),
        body: { error: 'dry_run must be true or false' },
      });
    }
    expect((await post({ target: 'worker-1.openstacklocal', dry_run: 1 })).body).toEqual({
      error: 'dry_run must be true or false',
    });
    for (const [target, user] of [
      ['worker-9.openstacklocal', operator],
      ['worker-1.openstacklocal', viewer],
    ] as const) {
      const answer = await post({ target, dry_run: 'true' }, user);
      expect([answer.status, answer.body]).toEqual([404, { error: 'Node Not found' }]);
    }
    expect(await jobsOf('worker-1.openstacklocal')).toBe(0);
  });

  it('forecasts wait while another master reboots and refuse for a node already rebooting; a real POST is accepted', async () => {
    const busy = await inFlight('master-1.openstacklocal');
    try {
      expect((await post({ target: 'master-0.openstacklocal', dry_run: 'true' })).body).toEqual({
        would: 'wait',
        reason: 'master-1.openstacklocal is rebooting',
        role: 'master',
      });
      expect((await post({ target: 'master-1.openstacklocal', dry_run: 'true' })).body).toEqual({
        would: 'refuse',
        reason: `a reboot of master-1.openstacklocal is already running (job ${busy})`,
        role: 'master',
      });
      // The gateway never decides wait or start on a real request: the worker does, under the cluster's lock.
      const accepted = await post({ target: 'master-0.openstacklocal' });
      expect(accepted.status).toBe(202);
      await endJob(busy);
      expect((await followJob(system, viewer, accepted.body.job_id as string)).output).toMatch(/\nDone$/);
    } finally {
      await endJob(busy);
    }
  });

  it('answers a reboot inside the node’s cooldown 429 with Retry-After and why, audited as refused', async () => {
    await setPolicy({ cooldown_seconds: 300 });
    const target = 'worker-2.openstacklocal';
    const first = await post({ target });
    expect(first.status).toBe(202);
    expect((await followJob(system, viewer, first.body.job_id as string)).output).toMatch(/\nDone$/);

    const again = await post({ target });
    expect(again.status).toBe(429);
    const retryAfter = Number(again.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(280);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect(again.body).toEqual({
      error: 'This node was rebooted too recently',
      reason: `${target} was rebooted recently: the cluster's cooldown allows another reboot of it in ${retryAfter} s`,
    });
    const forecast = await post({ target, dry_run: 'true' });
    expect(forecast.body).toMatchObject({ would: 'refuse' });
    expect(forecast.body.reason).toMatch(/^worker-2\.openstacklocal was rebooted recently: .* in \d+ s$/);
    expect(
      (await auditOf(target)).map((record: { outcome: string; detail: Record<string, unknown> }) => record.outcome),
    ).toEqual(['accepted', 'refused', 'dry-run']);
    expect((await auditOf(target))[1].detail).toEqual({ reason: 'cooldown', retryAfterSeconds: retryAfter });
    expect(await jobsOf(target)).toBe(1);
    expect(system.simulator.rebootActions(target)).toBe(1);

    // Without a cooldown the same node may be rebooted again at once.
    await setPolicy({ cooldown_seconds: 0 });
    const now = await post({ target });
    expect(now.status).toBe(202);
    await followJob(system, viewer, now.body.job_id as string);
  });

  it('refuses 409 with why a reboot the rules never allow: the cluster’s only HAProxy node', async () => {
    // haproxy-1 named another role: haproxy-0 is then the cluster's only HAProxy node.
    await setPolicy({ roles: { haproxy: { patterns: ['haproxy-0.*'] } } });
    const target = 'haproxy-0.openstacklocal';
    const reason = `${target} is the cluster's only HAProxy node: rebooting it takes the cluster offline`;
    expect(await post({ target })).toEqual({
      status: 409,
      headers: expect.anything(),
      body: { error: "The cluster's reboot rules refuse this reboot", reason },
    });
    expect((await post({ target, dry_run: 'true' })).body).toEqual({ would: 'refuse', reason, role: 'haproxy' });
    expect(await auditOf(target)).toEqual([
      { actor: operator.username, outcome: 'refused', detail: { reason: 'cluster rules', rule: reason } },
      {
        actor: operator.username,
        outcome: 'dry-run',
        detail: { type: 'SOFT', would: 'refuse', reason, role: 'haproxy' },
      },
    ]);
    expect(await jobsOf(target)).toBe(0);
    expect(system.simulator.rebootActions(target)).toBe(0);
  });

  it('keeps dry runs out of Idempotency-Key replays: a key a dry run used still starts the real reboot', async () => {
    const target = 'infra-0.openstacklocal';
    const key = { 'idempotency-key': `k-${newJobId()}` };
    expect((await post({ target, dry_run: 'true' }, operator, key)).status).toBe(200);
    const real = await post({ target }, operator, key);
    expect(real.status).toBe(202);
    expect((await post({ target }, operator, key)).body).toEqual(real.body);
    expect(await post({ target, dry_run: 'true' }, operator, key)).toMatchObject({
      status: 422,
      body: { error: 'Idempotency-Key reused with another request' },
    });
    await followJob(system, viewer, real.body.job_id as string);
    expect(system.simulator.rebootActions(target)).toBe(1);
  });
});
