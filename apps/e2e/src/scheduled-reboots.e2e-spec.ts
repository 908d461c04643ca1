import { followJob } from './job-polling';
import { oshift, settingsFor } from './oshift.runner';
import { SystemUnderTest, type TestUser } from './system-under-test';

const MINUTE = 60_000;
/** A time of day as a maintenance window writes it, in UTC. */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** An instant as the window messages write it: to the minute, `Z`. */
const minute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;

/**
 * Reboots when the customer wants them: a reboot scheduled with `not_before` starts at its time and not before
 * (as the simulated Nova sees it), a scheduled one can be cancelled, a cluster's maintenance window holds a
 * reboot back until it opens, a reboot whose deadline comes before the next window is refused, and an override
 * with its reason goes through and is in the audit trail. Production timings: the worker's own delays decide
 * when a reboot starts.
 */
describe('scheduled reboots and maintenance windows', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let base: string;

  beforeAll(async () => {
    system = await SystemUnderTest.start();
    [operator, viewer] = await Promise.all([system.user(['reboot']), system.user(['read'])]);
    stranger = await system.user([]);
    base = `/api/openshift/${system.clusterId}`;
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  afterEach(async () => {
    await system.setRebootPolicy(null);
  });

  const post = async (body: Record<string, unknown>, path = 'reboot', user = operator) => {
    const response = await system.request('POST', `${base}/${path}`, { user, json: body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const get = async (path: string, user = viewer) => {
    const response = await system.request('GET', `${base}/${path}`, { user });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /**
   * Samples the simulated Nova's count of reboot actions for `node` every 50 ms until `until` holds (or the
   * timeout passes): each sample with when it was taken.
   */
  const watchNova = async (node: string, until: (count: number, at: number) => boolean, timeoutMs = 90_000) => {
    const samples: { at: number; count: number }[] = [];
    const stop = Date.now() + timeoutMs;
    for (;;) {
      const sample = { at: Date.now(), count: system.simulator.rebootActions(node) };
      samples.push(sample);
      if (until(sample.count, sample.at) || sample.at > stop) return samples;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const audited = (jobId: string) =>
    system.dataSource.query(
      `SELECT actor, action, outcome, detail FROM audit_events
        WHERE cluster_id = $1 AND detail->>'jobId' = $2 ORDER BY id`,
      [system.clusterId, jobId],
    );

  it('starts a scheduled reboot at its not_before, not before: scheduled until then, listed as such', async () => {
    const node = 'worker-0.openstacklocal';
    const notBefore = Math.ceil((Date.now() + 8000) / 1000) * 1000;
    const accepted = await post({ target: node, not_before: new Date(notBefore).toISOString() });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ state: 'scheduled', job_id: expect.any(String) });
    const jobId = accepted.body.job_id as string;

    expect((await get(`job/${jobId}`)).body).toMatchObject({
      output: '',
      state: 'scheduled',
      started_at: null,
      not_before: new Date(notBefore).toISOString(),
    });
    const listed = await get('jobs?state=scheduled');
    expect((listed.body.jobs as { job_id: string; state: string }[]).map((job) => [job.job_id, job.state])).toEqual([
      [jobId, 'scheduled'],
    ]);

    const samples = await watchNova(node, (count) => count > 0);
    const early = samples.filter((sample) => sample.at < notBefore - 50);
    expect(early.length).toBeGreaterThan(50);
    expect(early.every((sample) => sample.count === 0)).toBe(true);
    const sent = samples.find((sample) => sample.count > 0)!;
    expect(sent.at).toBeGreaterThanOrEqual(notBefore);
    expect(sent.at).toBeLessThan(notBefore + 5000);

    const done = await followJob(system, viewer, jobId);
    expect(done.output).toMatch(/\nDone$/);
    const job = (await get(`job/${jobId}`)).body;
    expect(Date.parse(job.started_at as string)).toBeGreaterThanOrEqual(notBefore);
    expect(((await get('jobs?state=scheduled')).body.jobs as unknown[]).length).toBe(0);
    expect((await audited(jobId))[0]).toMatchObject({
      actor: operator.username,
      action: 'node.reboot',
      outcome: 'accepted',
      detail: { notBefore: new Date(notBefore).toISOString() },
    });
  }, 60_000);

  it('cancels a scheduled reboot: it ends Fail at once and nothing is sent at its time', async () => {
    const node = 'worker-1.openstacklocal';
    const notBefore = Date.now() + 5000;
    const form = { target: node, not_before: new Date(notBefore).toISOString() };
    const response = await system.request('POST', `${base}/reboot`, { user: operator, form });
    expect(response.status).toBe(202);
    const jobId = ((await response.json()) as { job_id: string }).job_id;

    const cancelled = await system.request('DELETE', `${base}/job/${jobId}`, { user: operator });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({
      output: 'Fail',
      errors: `Cancelled by ${operator.username}`,
      state: 'failed',
      cancelled_by: operator.username,
    });
    // Past its time, with the worker running: nothing reached Nova, and the job stays as the cancel left it.
    const samples = await watchNova(node, (_count, at) => at > notBefore + 3000);
    expect(samples.every((sample) => sample.count === 0)).toBe(true);
    expect((await get(`job/${jobId}`)).body).toMatchObject({ output: 'Fail', state: 'failed' });
  }, 30_000);

  it('holds a reboot outside the maintenance window back until the window opens, then starts it', async () => {
    const node = 'infra-0.openstacklocal';
    // The next minute boundary at least 5 s away: the window opens then, for ten minutes.
    const opens = Math.ceil((Date.now() + 5000) / MINUTE) * MINUTE;
    const window = `daily ${hhmm(opens)}-${hhmm(opens + 10 * MINUTE)} UTC`;
    await system.setRebootPolicy({ windows: [window] });

    const policy = await get('policy');
    expect(policy).toEqual({
      status: 200,
      body: {
        windows: [window],
        open_now: false,
        openings: expect.arrayContaining([
          { opens: new Date(opens).toISOString(), closes: new Date(opens + 10 * MINUTE).toISOString() },
        ]),
        window_override_allowed: true,
        cooldown_seconds: 0,
        max_parallel: { haproxy: 1, master: 1, infra: 1, worker: 1, other: 1 },
        // The e2e cluster's settle times (none for masters and HAProxy nodes, see SystemUnderTest).
        settle_seconds: { haproxy: 0, master: 0, infra: 0, worker: 0, other: 0 },
        drain: { haproxy: false, master: true, infra: true, worker: true, other: true },
        drain_timeout_seconds: 300,
        masters: 3,
      },
    });
    expect((policy.body.openings as unknown[])[0]).toEqual({
      opens: new Date(opens).toISOString(),
      closes: new Date(opens + 10 * MINUTE).toISOString(),
    });
    const cli = await oshift(['policy'], settingsFor(system, viewer));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`maintenance windows: ${window}\nopen now: no\n`);
    expect(cli.stdout).toContain(new Date(opens).toISOString());
    expect(cli.stdout).toContain(
      [
        'at most at once: haproxy 1, master 1, infra 1, worker 1, other 1',
        'settle after a reboot: haproxy 0 s, master 0 s, infra 0 s, worker 0 s, other 0 s',
        'drain first: haproxy no, master yes, infra yes, worker yes, other yes',
        'drain timeout: 300 s',
        'masters: 3',
      ].join('\n'),
    );

    const dryRun = await post({ target: node, dry_run: true });
    expect(dryRun).toEqual({
      status: 200,
      body: { would: 'wait', reason: `outside the maintenance window; next opens ${minute(opens)}`, role: 'infra' },
    });

    const accepted = await post({ target: node });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.job_id as string;
    const waiting = await followJob(system, viewer, jobId, { until: (output) => output.startsWith('Waiting:') });
    expect(waiting.output).toBe(`Waiting: outside the maintenance window; next opens ${minute(opens)}`);
    expect((await get(`job/${jobId}`)).body).toMatchObject({ state: 'waiting' });

    const samples = await watchNova(node, (count) => count > 0);
    expect(samples.filter((sample) => sample.at < opens - 50).every((sample) => sample.count === 0)).toBe(true);
    const sent = samples.find((sample) => sample.count > 0)!;
    expect(sent.at).toBeGreaterThanOrEqual(opens);
    expect(sent.at).toBeLessThan(opens + 5000);
    const done = await followJob(system, viewer, jobId);
    expect(done.output).toMatch(/^Waiting: outside the maintenance window; next opens .*\n[\s\S]*\nDone$/);
    // Delayed until the window opened, not polled: one admission record of the wait, then the start.
    const admissions = (await audited(jobId)).filter((record: { action: string }) => record.action === 'job.admission');
    expect(admissions.map((record: { outcome: string }) => record.outcome)).toEqual(['waiting', 'started']);
  }, 120_000);

  it('refuses a reboot whose deadline comes before the next window with 409 and the reason', async () => {
    const opens = Math.ceil((Date.now() + 6 * 3600_000) / MINUTE) * MINUTE;
    await system.setRebootPolicy({ windows: [`daily ${hhmm(opens)}-${hhmm(opens + 60 * MINUTE)} UTC`] });
    const refused = await post({ target: 'master-0.openstacklocal' });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: "The cluster's reboot rules refuse this reboot",
      reason: expect.stringMatching(
        new RegExp(`^outside the maintenance window; the next opens ${minute(opens)}, after the job's deadline \\(`),
      ),
    });
    const rolling = await post({ role: 'infra' }, 'rolling-reboot');
    expect(rolling.status).toBe(409);
    expect(rolling.body.reason).toMatch(/^outside the maintenance window; the next opens /);

    // A dry run at a time inside the window: it would start then (the load then is not forecast).
    // RFC 3339 times have seconds.
    expect(await post({ target: 'master-0.openstacklocal', dry_run: true, not_before: minute(opens) })).toEqual({
      status: 400,
      body: { error: 'not_before must be an RFC 3339 time, like 2026-12-08T01:00:00Z' },
    });
    const at = new Date(opens).toISOString();
    const dryRun = await post({ target: 'master-0.openstacklocal', dry_run: true, not_before: at });
    expect(dryRun.body).toMatchObject({ would: 'start', role: 'master' });
    expect(dryRun.body.reason).toMatch(new RegExp(`^at ${minute(opens)}, inside a maintenance window`));
    // Scheduled inside the window, its deadline counts from then: accepted.
    const scheduled = await post({ target: 'master-0.openstacklocal', not_before: new Date(opens).toISOString() });
    expect(scheduled).toMatchObject({ status: 202, body: { state: 'scheduled' } });
    const cancel = await system.request('DELETE', `${base}/job/${scheduled.body.job_id as string}`, { user: operator });
    expect(cancel.status).toBe(200);
    expect(system.simulator.rebootActions('master-0.openstacklocal')).toBe(0);

    const records = await system.dataSource.query(
      `SELECT action, outcome, detail->>'reason' AS reason, detail->>'rule' AS rule FROM audit_events
        WHERE cluster_id = $1 AND outcome = 'refused' AND detail->>'reason' = 'cluster rules' ORDER BY id`,
      [system.clusterId],
    );
    expect(records.map((record: { action: string; rule: string }) => [record.action, record.rule])).toEqual([
      ['node.reboot', refused.body.reason],
      ['cluster.rolling-reboot', rolling.body.reason],
    ]);
  }, 30_000);

  it('lets a customer override the window with a reason: started at once, marked in the job, audited', async () => {
    const node = 'worker-2.openstacklocal';
    const opens = Math.ceil((Date.now() + 6 * 3600_000) / MINUTE) * MINUTE;
    await system.setRebootPolicy({ windows: [`daily ${hhmm(opens)}-${hhmm(opens + 60 * MINUTE)} UTC`] });
    expect(await post({ target: node, override_window: true })).toEqual({
      status: 400,
      body: { error: 'reason is required with override_window=true' },
    });

    const reason = 'INC-4711: node hung, cannot wait for the window';
    const accepted = await post({ target: node, override_window: 'true', reason });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.job_id as string;
    const done = await followJob(system, viewer, jobId);
    expect(done.output).not.toContain('Waiting:');
    expect(done.output).toMatch(/\nDone$/);
    expect(system.simulator.rebootActions(node)).toBe(1);
    expect((await get(`job/${jobId}`)).body).toMatchObject({
      state: 'done',
      window_override: { by: operator.username, reason },
    });
    expect((await audited(jobId))[0]).toMatchObject({
      actor: operator.username,
      action: 'node.reboot',
      outcome: 'accepted',
      detail: { jobId, windowOverride: { reason } },
    });

    // The operator switches the right off: 409 with the reason, nothing recorded or sent.
    await system.setRebootPolicy({
      windows: [`daily ${hhmm(opens)}-${hhmm(opens + 60 * MINUTE)} UTC`],
      allow_window_override: false,
    });
    expect(await post({ target: node, override_window: true, reason })).toEqual({
      status: 409,
      body: {
        error: "The cluster's reboot rules refuse this reboot",
        reason:
          "this cluster's operator does not allow override_window: reboots start only inside its maintenance windows",
      },
    });
    expect((await get('policy')).body).toMatchObject({ window_override_allowed: false, open_now: false });
    expect(system.simulator.rebootActions(node)).toBe(1);
  }, 60_000);

  it('answers GET policy to any user of the cluster only, and refuses an unknown query parameter', async () => {
    expect(await get('policy', operator)).toMatchObject({ status: 200, body: { windows: [], open_now: true } });
    expect((await get('policy', viewer)).body).toEqual({
      windows: [],
      open_now: true,
      openings: [],
      window_override_allowed: true,
      cooldown_seconds: 0,
      max_parallel: { haproxy: 1, master: 1, infra: 1, worker: 1, other: 1 },
      settle_seconds: { haproxy: 0, master: 0, infra: 0, worker: 0, other: 0 },
      drain: { haproxy: false, master: true, infra: true, worker: true, other: true },
      drain_timeout_seconds: 300,
      masters: 3,
    });
    expect(await get('policy', stranger)).toMatchObject({ status: 404 });
    const query = await get('policy?windows=all');
    expect(query.status).toBe(400);
    expect(query.body.error).toMatch(/windows/);
  });
});
