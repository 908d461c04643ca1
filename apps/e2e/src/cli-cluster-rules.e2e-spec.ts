import { newJobId } from '@oshift/jobs';
import { oshift, settingsFor } from './oshift.runner';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * `oshift` with the cluster's rules: dry runs that would wait or be refused, a cooldown, `rolling-reboot` and
 * `cancel`, each as a real process with its exit code. No worker runs: accepted reboots stay queued, as they
 * would while the rules hold them back.
 */
describe('oshift with the cluster’s reboot rules', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let viewer: TestUser;
  let asOperator: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ workers: 0 });
    [operator, viewer] = await Promise.all([system.user(['reboot']), system.user(['read'])]);
    asOperator = settingsFor(system, operator);
    base = `/api/openshift/${system.clusterId}`;
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  afterEach(async () => {
    await system.dataSource.query(`UPDATE clusters SET reboot_policy = NULL WHERE id = $1`, [system.clusterId]);
    await system.dataSource.query(
      `UPDATE jobs SET state = 'failed', finished_at = now() WHERE cluster_id = $1 AND state IN ('queued', 'running')`,
      [system.clusterId],
    );
  });

  const job = async (jobId: string) =>
    (await (await system.request('GET', `${base}/job/${jobId}`, { user: viewer })).json()) as Record<string, unknown>;

  it('reboot --dry-run says wait, or refuses with exit 4 and why; a reboot inside the cooldown is exit 4', async () => {
    await system.dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, admitted_at, lease_owner, lease_until)
       VALUES ($1, $2, 'master-1.openstacklocal', 'running', 'e2e', now(), 'elsewhere', now() + interval '1 hour')`,
      [newJobId(), system.clusterId],
    );
    expect(await oshift(['reboot', 'master-0.openstacklocal', '--dry-run'], asOperator)).toEqual({
      code: 0,
      stdout: 'would wait: master-1.openstacklocal is rebooting; nothing was started\n',
      stderr: '',
    });
    const refused = await oshift(['reboot', 'master-1.openstacklocal', '--dry-run'], asOperator);
    expect(refused).toEqual({
      code: 4,
      stdout: '',
      stderr: expect.stringMatching(
        /^would refuse: a reboot of master-1\.openstacklocal is already running \(job [\w-]{22}\); nothing was started\n$/,
      ),
    });

    await system.dataSource.query(`UPDATE clusters SET reboot_policy = '{"cooldown_seconds": 900}' WHERE id = $1`, [
      system.clusterId,
    ]);
    await system.dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, finished_at)
       VALUES ($1, $2, 'worker-1.openstacklocal', 'done', 'e2e', now() - interval '100 seconds')`,
      [newJobId(), system.clusterId],
    );
    const cooling = await oshift(['reboot', 'worker-1.openstacklocal'], asOperator);
    expect(cooling).toEqual({
      code: 4,
      stdout: '',
      stderr: expect.stringMatching(
        /^This node was rebooted too recently: worker-1\.openstacklocal was rebooted recently: the cluster's cooldown allows another reboot of it in [78]\d\d s\n$/,
      ),
    });
  });

  it('rolling-reboot prints its job id (or the plan with --dry-run); --wait --timeout ends with exit 3', async () => {
    const dry = await oshift(['rolling-reboot', '--role', 'infra', '--dry-run'], asOperator);
    expect(dry).toEqual({
      code: 0,
      stdout:
        'would start: 0 of at most 1 infra reboot in flight; nothing was started\n' +
        '  infra-0.openstacklocal\n  infra-1.openstacklocal\n',
      stderr: '',
    });
    const json = await oshift(['rolling-reboot', '--dry-run', '-o', 'json'], asOperator);
    expect(JSON.parse(json.stdout).nodes).toHaveLength(10);

    const started = await oshift(['rolling-reboot', '--role', 'worker', '--hard'], asOperator);
    expect(started).toEqual({ code: 0, stdout: expect.stringMatching(/^[\w-]{22}\n$/), stderr: '' });
    const jobId = started.stdout.trim();
    expect(await job(jobId)).toMatchObject({ kind: 'rolling', role: 'worker', type: 'HARD', state: 'queued' });

    // The cluster as a positional argument, as in `oshift rolling-reboot <cluster>`.
    const positional = await oshift(
      ['rolling-reboot', system.clusterId, '--role', 'master', '--wait', '--timeout', '1'],
      { ...asOperator, OSHIFT_CLUSTER: 'elsewhere.example.test' },
    );
    expect(positional.code).toBe(3);
    expect(positional.stdout).toMatch(/^[\w-]{22}\n$/);
    expect(positional.stderr).toMatch(/^--timeout: still running after 1 s; job [\w-]{22} goes on\n$/);

    expect(await oshift(['rolling-reboot', '--role', 'workers'], asOperator)).toMatchObject({ code: 2 });
    expect(await oshift(['rolling-reboot', '--role', 'worker'], settingsFor(system, viewer))).toEqual({
      code: 4,
      stdout: '',
      stderr: 'Not Found\n',
    });
    const again = await oshift(['rolling-reboot', '--role', 'worker'], asOperator);
    expect(again).toEqual({
      code: 4,
      stdout: '',
      stderr: `A reboot of this node is already running\nrunning job: ${jobId}\n`,
    });
  });

  it('rolling-reboot refuses a plan the rules never allow, and a role without nodes, with exit 4 and why', async () => {
    await system.dataSource.query(
      `UPDATE clusters SET reboot_policy = '{"roles": {"haproxy": {"patterns": ["haproxy-0.*"]}, "infra": {"patterns": ["none-*"]}}}'
        WHERE id = $1`,
      [system.clusterId],
    );
    const reason =
      "haproxy-0.openstacklocal is the cluster's only HAProxy node: rebooting it takes the cluster offline";
    expect(await oshift(['rolling-reboot'], asOperator)).toEqual({
      code: 4,
      stdout: '',
      stderr: `The cluster's reboot rules refuse this reboot: ${reason}\n`,
    });
    expect(await oshift(['rolling-reboot', '--dry-run'], asOperator)).toEqual({
      code: 4,
      stdout: '',
      stderr: `would refuse: ${reason}; nothing was started\n`,
    });
    expect(await oshift(['rolling-reboot', '--role', 'infra'], asOperator)).toEqual({
      code: 4,
      stdout: '',
      stderr: 'No node to reboot: the cluster has no infra node\n',
    });
  });

  it('cancel ends a followed reboot that has not started (the follower exits 1 with why), or says why not', async () => {
    const followed: string[] = [];
    const follower = oshift(
      ['reboot', 'worker-0.openstacklocal', '--follow'],
      asOperator,
      undefined,
      undefined,
      (out) => followed.push(out),
    );
    const deadline = Date.now() + 30000;
    while (!/^[\w-]{22}\n/.test(followed.at(-1) ?? '') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const jobId = (followed.at(-1) ?? '').trim().split('\n')[0]!;

    const cancelled = await oshift(['cancel', jobId], asOperator);
    expect(cancelled).toEqual({
      code: 0,
      stdout: `job ${jobId} cancelled: Cancelled by ${operator.username}\n`,
      stderr: '',
    });
    expect(await follower).toEqual({
      code: 1,
      stdout: `${jobId}\nFail\n`,
      stderr: `Cancelled by ${operator.username}\n`,
    });

    expect(await oshift(['cancel', system.clusterId, jobId], { ...asOperator, OSHIFT_CLUSTER: '' })).toEqual({
      code: 4,
      stdout: '',
      stderr: 'Nothing to cancel: the job has already ended (failed)\n',
    });
    expect(await oshift(['cancel', jobId], settingsFor(system, viewer))).toEqual({
      code: 4,
      stdout: '',
      stderr: 'Job Not found\n',
    });

    const rolling = (await oshift(['rolling-reboot', '--role', 'master'], asOperator)).stdout.trim();
    expect(await oshift(['cancel', rolling], asOperator)).toEqual({
      code: 0,
      stdout: `rolling reboot ${rolling} cancelled by ${operator.username}: the node rebooting now finishes, then the job ends Fail\n`,
      stderr: '',
    });
    const json = await oshift(['cancel', rolling, '-o', 'json'], asOperator);
    expect(json).toEqual({
      code: 4,
      stdout: '',
      stderr: `Nothing to cancel: already cancelled by ${operator.username}\n`,
    });
    expect(await job(rolling)).toMatchObject({ cancelled_by: operator.username });
  });
});
