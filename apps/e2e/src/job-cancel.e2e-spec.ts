import { EventStreamClient } from '@oshift/testing';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

const basic = (user: TestUser) => `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;

/**
 * `DELETE job/{id}`: a reboot that has not started ends at once with `Fail` (its followers see it live), one
 * whose reboot was sent runs to its end (409), and only users with the reboot role may cancel.
 */
describe('cancelling a job', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let operator: TestUser;
  let base: string;

  beforeAll(async () => {
    // No worker at first: accepted reboots stay queued, as they would while the cluster's rules hold them.
    system = await SystemUnderTest.start({ workers: 0, knobs: { rebootDurationMs: 3000 } });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    base = `/api/openshift/${system.clusterId}`;
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  const cancel = async (jobId: string, user = operator) => {
    const response = await system.request('DELETE', `${base}/job/${jobId}`, { user });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const get = async (path: string) => (await (await system.request('GET', path, { user: viewer })).json()) as never;
  const auditOf = (jobId: string) =>
    system.dataSource.query(
      `SELECT actor, action, outcome, detail->>'reason' AS reason FROM audit_events
        WHERE cluster_id = $1 AND detail->>'jobId' = $2 ORDER BY id`,
      [system.clusterId, jobId],
    );

  it('ends a queued reboot at once with Fail and Cancelled by <user>; its follower sees the line and the end', async () => {
    const jobId = await startReboot(system, operator, 'worker-0.openstacklocal');
    const follower = await EventStreamClient.open(`${system.baseUrl}${base}/job/${jobId}`, {
      authorization: basic(viewer),
    });
    expect(follower.status).toBe(200);

    const cancelledAt = Date.now();
    const answer = await cancel(jobId);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      output: 'Fail',
      errors: `Cancelled by ${operator.username}`,
      state: 'failed',
      target: 'worker-0.openstacklocal',
      kind: 'reboot',
      cancelled_by: operator.username,
    });
    expect(answer.body.ended_at).toEqual(expect.any(String));

    // Live, well before the stream's 15 s heartbeat would have caught up from Postgres.
    await follower.ended;
    expect(Date.now() - cancelledAt).toBeLessThan(5000);
    expect(follower.lines).toEqual([{ id: 1, text: 'Fail' }]);
    expect(follower.events.at(-1)).toEqual({
      event: 'end',
      data: JSON.stringify({ state: 'failed', errors: `Cancelled by ${operator.username}` }),
    });
    expect(await get(`${base}/job/${jobId}`)).toEqual(answer.body);
    expect(await auditOf(jobId)).toEqual([
      { actor: operator.username, action: 'node.reboot', outcome: 'accepted', reason: null },
      { actor: operator.username, action: 'job.end', outcome: 'failed', reason: null },
      { actor: operator.username, action: 'job.cancel', outcome: 'cancelled', reason: null },
    ]);
    // The node is free again, and nothing was sent to it.
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(0);
    const next = await startReboot(system, operator, 'worker-0.openstacklocal');
    expect((await cancel(next)).status).toBe(200);
  });

  it('ends a waiting reboot, shown as waiting until then', async () => {
    const jobId = await startReboot(system, operator, 'master-0.openstacklocal');
    // What the worker's admission leaves of a reboot the rules hold back (state, reason, first line).
    await system.dataSource.query(
      `UPDATE jobs SET state = 'running', started_at = now(), waiting_reason = 'master-1.openstacklocal is rebooting'
        WHERE id = $1`,
      [jobId],
    );
    await system.dataSource.query(`INSERT INTO job_lines (job_id, seq, line) VALUES ($1, 1, $2)`, [
      jobId,
      'Waiting: master-1.openstacklocal is rebooting',
    ]);
    expect(await get(`${base}/job/${jobId}`)).toMatchObject({ state: 'waiting' });
    const waiting = (await get(`${base}/jobs?state=waiting`)) as { jobs: { job_id: string; state: string }[] };
    expect(waiting.jobs.map((job) => [job.job_id, job.state])).toEqual([[jobId, 'waiting']]);

    const answer = await cancel(jobId);
    expect(answer).toMatchObject({
      status: 200,
      body: {
        output: 'Waiting: master-1.openstacklocal is rebooting\nFail',
        errors: `Cancelled by ${operator.username}`,
        state: 'failed',
      },
    });
    expect(((await get(`${base}/jobs?state=waiting`)) as { jobs: unknown[] }).jobs).toEqual([]);
  });

  it('refuses what cannot be cancelled with 409 and why, and hides the cancel from users without the reboot role', async () => {
    const jobId = await startReboot(system, operator, 'infra-0.openstacklocal');
    expect(await cancel(jobId, viewer)).toEqual({ status: 404, body: { error: 'Job Not found' } });
    expect(await cancel('AAAAAAAAAAAAAAAAAAAAAA')).toEqual({ status: 404, body: { error: 'Job Not found' } });
    expect(await cancel('not-a-job')).toEqual({ status: 404, body: { error: 'Job Not found' } });
    expect((await get(`${base}/job/${jobId}`)) as { state: string }).toMatchObject({ state: 'queued' });

    // A worker takes the reboot up and sends it: it runs to its end.
    await system.startWorker();
    await followJob(system, viewer, jobId, { until: (output) => / (REBOOT|HARD_REBOOT)$/m.test(output) });
    expect(await cancel(jobId)).toEqual({
      status: 409,
      body: { error: 'Nothing to cancel', job_id: jobId, reason: 'the reboot was already sent; it runs to its end' },
    });
    const last = await followJob(system, viewer, jobId);
    expect(last.output).toMatch(/\nDone$/);
    expect(await cancel(jobId)).toEqual({
      status: 409,
      body: { error: 'Nothing to cancel', job_id: jobId, reason: 'the job has already ended (done)' },
    });

    const records = await system.dataSource.query(
      `SELECT actor, outcome, detail->>'reason' AS reason FROM audit_events
        WHERE action = 'job.cancel' AND cluster_id = $1 AND outcome IN ('refused', 'denied') ORDER BY id`,
      [system.clusterId],
    );
    expect(records).toEqual([
      { actor: viewer.username, outcome: 'denied', reason: 'no nodes:reboot permission' },
      { actor: operator.username, outcome: 'refused', reason: 'unknown job' },
      { actor: operator.username, outcome: 'refused', reason: 'unknown job' },
      { actor: operator.username, outcome: 'refused', reason: 'the reboot was already sent; it runs to its end' },
      { actor: operator.username, outcome: 'refused', reason: 'the job has already ended (done)' },
    ]);
  });
});
