import { newJobId } from '@oshift/jobs';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * `POST rolling-reboot` as the gateway answers it: the job it records (kind `rolling`, target `rolling:<role>`),
 * its dry run (the plan in order and its first node's forecast), refusals, the job views, and its cancel. No
 * worker runs here: how the worker steps through the plan is tested with the worker.
 */
describe('rolling reboot requests', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let operator: TestUser;
  let base: string;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ workers: 0 });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    base = `/api/openshift/${system.clusterId}`;
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  afterEach(async () => {
    await system.dataSource.query(`UPDATE clusters SET reboot_policy = NULL WHERE id = $1`, [system.clusterId]);
    // Ends whatever a test left active, as a worker would have.
    await system.dataSource.query(
      `UPDATE jobs SET state = 'failed', finished_at = now() WHERE cluster_id = $1 AND state IN ('queued', 'running')`,
      [system.clusterId],
    );
  });

  const rolling = async (
    body: Record<string, unknown> | undefined,
    user = operator,
    headers: Record<string, string> = {},
  ) => {
    const form = body && Object.values(body).every((value) => typeof value === 'string');
    const response = await system.request('POST', `${base}/rolling-reboot`, {
      user,
      headers,
      ...(body === undefined ? {} : form ? { form: body as Record<string, string> } : { json: body }),
    });
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const get = async (path: string) =>
    (await (await system.request('GET', path, { user: viewer })).json()) as Record<string, unknown>;
  const setPolicy = (policy: unknown) =>
    system.dataSource.query(`UPDATE clusters SET reboot_policy = $2 WHERE id = $1`, [
      system.clusterId,
      JSON.stringify(policy),
    ]);
  let testStart: Date;
  beforeEach(() => {
    testStart = new Date();
  });
  /** This test's records of rolling reboot requests with that outcome. */
  const audit = (outcome: string) =>
    system.dataSource.query(
      `SELECT actor, target, detail - 'method' - 'requestId' AS detail FROM audit_events
        WHERE action = 'cluster.rolling-reboot' AND cluster_id = $1 AND outcome = $2 AND at >= $3 ORDER BY id`,
      [system.clusterId, outcome, testStart],
    );

  it('answers 202 exactly like a reboot and records one rolling job that the job views show', async () => {
    const started = await rolling({ role: 'worker' });
    expect(started.status).toBe(202);
    expect(Object.keys(started.body)).toEqual(['state', 'job_id', 'status_url']);
    const jobId = started.body.job_id as string;
    expect(started.body).toEqual({
      state: 'started',
      job_id: jobId,
      status_url: `${system.publicUrl}${base}/job/${jobId}`,
    });
    expect(started.location).toBe(started.body.status_url);

    expect(await get(`${base}/job/${jobId}`)).toMatchObject({
      output: '',
      errors: '',
      state: 'queued',
      target: 'rolling:worker',
      type: 'SOFT',
      requested_by: operator.username,
      kind: 'rolling',
      role: 'worker',
    });
    const list = (await get(`${base}/jobs`)) as { jobs: Record<string, unknown>[] };
    expect(list.jobs[0]).toMatchObject({ job_id: jobId, target: 'rolling:worker', kind: 'rolling', role: 'worker' });
    const [row] = await system.dataSource.query(
      `SELECT kind, rolling_role, target, parent_id, admitted_at, deadline_at > now() + interval '29 minutes' AS long
         FROM jobs WHERE id = $1`,
      [jobId],
    );
    expect(row).toEqual({
      kind: 'rolling',
      rolling_role: 'worker',
      target: 'rolling:worker',
      parent_id: null,
      admitted_at: null,
      long: true,
    });
    expect(await audit('accepted')).toEqual([
      {
        actor: operator.username,
        target: 'rolling:worker',
        detail: { role: 'worker', jobId, type: 'SOFT' },
      },
    ]);

    // A second one of the same role while it runs: 409 naming it, as for a node.
    const again = await rolling({ role: 'worker' });
    expect(again).toMatchObject({
      status: 409,
      body: { error: 'A reboot of this node is already running', job_id: jobId, status_url: started.body.status_url },
    });
    // Another role, HARD, as JSON: its own job. No body at all means every node.
    const infra = await rolling({ role: 'infra', type: 'HARD' });
    expect(infra.status).toBe(202);
    expect(await get(`${base}/job/${infra.body.job_id as string}`)).toMatchObject({ type: 'HARD', role: 'infra' });
    const all = await rolling(undefined);
    expect(all.status).toBe(202);
    expect(await get(`${base}/job/${all.body.job_id as string}`)).toMatchObject({ target: 'rolling:all', role: 'all' });
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(0);
  });

  it('answers a dry run with the plan in order, its first node’s forecast and every node’s role, starting nothing', async () => {
    const roles = Object.fromEntries(
      ['haproxy-0', 'haproxy-1', 'master-0', 'master-1', 'master-2', 'infra-0', 'infra-1']
        .concat(['worker-0', 'worker-1', 'worker-2'])
        .map((name) => [`${name}.openstacklocal`, name.split('-')[0]]),
    );
    const forecast = await rolling({ dry_run: 'true' });
    expect(forecast.status).toBe(200);
    expect(forecast.body).toEqual({
      would: 'start',
      reason: '0 of at most 1 worker reboot in flight',
      nodes: [
        'worker-0.openstacklocal',
        'worker-1.openstacklocal',
        'worker-2.openstacklocal',
        'infra-0.openstacklocal',
        'infra-1.openstacklocal',
        'master-0.openstacklocal',
        'master-1.openstacklocal',
        'master-2.openstacklocal',
        'haproxy-0.openstacklocal',
        'haproxy-1.openstacklocal',
      ],
      roles,
    });
    expect((await rolling({ role: 'master', dry_run: true })).body).toEqual({
      would: 'start',
      reason: 'every other master is ACTIVE and settled',
      nodes: ['master-0.openstacklocal', 'master-1.openstacklocal', 'master-2.openstacklocal'],
      roles,
    });
    const running = await rolling({ role: 'infra' });
    expect((await rolling({ role: 'infra', dry_run: 'true' })).body).toEqual({
      would: 'refuse',
      reason: `a rolling reboot of infra is already running (job ${running.body.job_id as string})`,
      nodes: ['infra-0.openstacklocal', 'infra-1.openstacklocal'],
      roles,
    });
    const dryRuns = await audit('dry-run');
    expect(dryRuns.map((record: { target: string }) => record.target)).toEqual([
      'rolling:all',
      'rolling:master',
      'rolling:infra',
    ]);
    expect(dryRuns[0].detail).toMatchObject({ type: 'SOFT', role: 'all', would: 'start' });
    const [{ count }] = await system.dataSource.query(
      `SELECT count(*)::int AS count FROM jobs
        WHERE cluster_id = $1 AND target IN ('rolling:all', 'rolling:master') AND created_at >= $2`,
      [system.clusterId, testStart],
    );
    expect(count).toBe(0);
  });

  it('refuses bad input 400, a role without nodes 400 with why, a plan the rules never allow 409', async () => {
    for (const [body, error] of [
      [{ role: 'workers' }, 'role must be one of worker, infra, master, haproxy, all'],
      [{ role: 'worker', type: 'soft' }, 'type must be SOFT or HARD'],
      [{ role: 'worker', dry_run: 'maybe' }, 'dry_run must be true or false'],
      [{ role: 'worker', target: 'worker-0.openstacklocal' }, 'unknown field target'],
    ] as const) {
      expect(await rolling(body)).toMatchObject({ status: 400, body: { error } });
    }

    // Infra nodes named another role: the cluster then has none.
    await setPolicy({ roles: { infra: { patterns: ['infra-node-*'] } } });
    for (const dryRun of ['false', 'true']) {
      expect(await rolling({ role: 'infra', dry_run: dryRun })).toMatchObject({
        status: 400,
        body: { error: 'No node to reboot', reason: 'the cluster has no infra node' },
      });
    }

    // haproxy-1 named another role: haproxy-0 is the only HAProxy node, which the rules never reboot.
    await setPolicy({ roles: { haproxy: { patterns: ['haproxy-0.*'] } } });
    const reason =
      "haproxy-0.openstacklocal is the cluster's only HAProxy node: rebooting it takes the cluster offline";
    for (const role of ['haproxy', 'all']) {
      expect(await rolling({ role })).toMatchObject({
        status: 409,
        body: { error: "The cluster's reboot rules refuse this reboot", reason },
      });
    }
    expect((await rolling({ role: 'all', dry_run: 'true' })).body).toMatchObject({ would: 'refuse', reason });
    expect((await rolling({ role: 'worker' })).status).toBe(202);

    const refused = (await audit('refused')).map((record: { detail: { reason: string } }) => record.detail.reason);
    expect(refused).toEqual([
      'invalid input',
      'invalid input',
      'invalid input',
      'invalid input',
      'no node of the role',
      'no node of the role',
      'cluster rules',
      'cluster rules',
    ]);
  });

  it('is hidden from users without the reboot role, and replays an Idempotency-Key', async () => {
    expect(await rolling({ role: 'worker' }, viewer)).toMatchObject({ status: 404, body: { error: 'Not Found' } });
    expect((await audit('denied')).at(-1)).toMatchObject({ actor: viewer.username, target: 'rolling:worker' });

    const key = { 'idempotency-key': `k-${newJobId()}` };
    const first = await rolling({ role: 'master' }, operator, key);
    expect(first.status).toBe(202);
    expect(await rolling({ role: 'master' }, operator, key)).toEqual(first);
    expect(await rolling({ role: 'master', type: 'HARD' }, operator, key)).toMatchObject({
      status: 422,
      body: { error: 'Idempotency-Key reused with another request' },
    });
  });

  it('cancels a rolling reboot: cancelled_by at once, its waiting child ended with Fail', async () => {
    const started = await rolling({ role: 'master' });
    const jobId = started.body.job_id as string;
    // The step a worker has taken: the first master's reboot, waiting its turn.
    const childId = newJobId();
    await system.dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, parent_id, waiting_reason)
       VALUES ($1, $2, 'master-0.openstacklocal', 'running', $3, $4, 'master-1.openstacklocal is ERROR')`,
      [childId, system.clusterId, operator.username, jobId],
    );
    const cancelled = await system.request('DELETE', `${base}/job/${jobId}`, { user: operator });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({
      state: 'queued',
      kind: 'rolling',
      role: 'master',
      cancelled_by: operator.username,
    });
    expect(await get(`${base}/job/${childId}`)).toMatchObject({
      output: 'Fail',
      errors: `Cancelled by ${operator.username}`,
      state: 'failed',
      cancelled_by: operator.username,
    });
    const twice = await system.request('DELETE', `${base}/job/${jobId}`, { user: operator });
    expect([twice.status, await twice.json()]).toEqual([
      409,
      { error: 'Nothing to cancel', job_id: jobId, reason: `already cancelled by ${operator.username}` },
    ]);
  });
});
