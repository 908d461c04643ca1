import { followJob, startReboot, type JobView } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Issue 9's numbered scenarios through the real gateway and worker: a job never says Done without a reboot,
 * every job ends by its deadline whatever stops it (and frees its node), no reboot is sent after the deadline,
 * and bogus targets cannot drive Nova's load. Each asserts the job's end, its errors and the exact reboot
 * actions the simulator received.
 */
const DEADLINE_SECONDS = 10;
/** A job ends within one poll and one OpenStack timeout of its deadline (the worker's settings below). */
const END_SLACK_MS = 3500;
const WORKER = { OPENSTACK_TIMEOUT_MS: '2000', POLL_INTERVAL_MS: '250' };

describe('every accepted reboot ends, on time, and says what really happened', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 600, pageSizeMax: 4 },
      gatewayEnv: { JOB_DEADLINE_SECONDS: String(DEADLINE_SECONDS) },
      workerEnv: WORKER,
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  const reboots = (node: string) => system.simulator.reboots(node);
  const lastLine = (job: JobView) => job.output.split('\n').pop();

  /** The job row's end and deadline, and whether its node is free again (no active job on it). */
  async function ending(jobId: string): Promise<{ state: string; lateMs: number; nodeFree: boolean }> {
    const [row] = await system.dataSource.query(
      `SELECT j.state, EXTRACT(EPOCH FROM (j.finished_at - j.deadline_at)) * 1000 AS late_ms,
              NOT EXISTS (SELECT 1 FROM jobs o WHERE o.cluster_id = j.cluster_id AND o.target = j.target
                            AND o.state IN ('queued', 'running')) AS node_free
         FROM jobs j WHERE j.id = $1`,
      [jobId],
    );
    return { state: row.state, lateMs: Number(row.late_ms), nodeFree: row.node_free };
  }

  describe('1. Done only when rebooted', () => {
    it('a locked instance: Fail saying it is locked and nothing was rebooted; Nova refused the one reboot', async () => {
      const node = 'worker-0.openstacklocal';
      system.simulator.setLocked(node, true, 'maintenance');
      const jobId = await startReboot(system, operator, node);
      const job = await followJob(system, operator, jobId);
      expect(lastLine(job)).toBe('Fail');
      expect(job.output).not.toMatch(/Done/);
      // The one POST and Nova's answer are in the audit trail.
      const attempts = await system.dataSource.query(
        `SELECT outcome, detail FROM audit_events WHERE action = 'job.reboot' AND detail->>'jobId' = $1`,
        [jobId],
      );
      expect(attempts).toEqual([
        {
          outcome: 'failed',
          detail: expect.objectContaining({ type: 'SOFT', result: 'locked', novaRequestId: expect.any(String) }),
        },
      ]);
      expect(job.errors).toMatch(
        new RegExp(
          `^${node} is locked in OpenStack, so Nova refused the SOFT reboot and no reboot happened\\. Unlock it`,
        ),
      );
      expect(job.errors).toMatch(/Nova said: "Instance [0-9a-f-]+ is locked" \(Nova request req-[0-9a-f-]+\)$/);
      expect(reboots(node)).toEqual({
        received: { SOFT: 1, HARD: 0 },
        accepted: { SOFT: 0, HARD: 0 },
        refused: { SOFT: 1, HARD: 0 },
      });
      system.simulator.setLocked(node, false);
    });

    it.each(['image_snapshot', 'migrating'] as const)(
      'a server busy with %s: Fail naming the task; no reboot happened',
      async (task) => {
        const node = task === 'migrating' ? 'infra-0.openstacklocal' : 'infra-1.openstacklocal';
        system.simulator.holdTaskState(node, task, 60000);
        const job = await followJob(system, operator, await startReboot(system, operator, node));
        expect(lastLine(job)).toBe('Fail');
        expect(job.errors).toMatch(new RegExp(`^${node} is busy with the task ${task}, .*Wait for the task to end`));
        expect(reboots(node).received).toEqual({ SOFT: 1, HARD: 0 });
        expect(reboots(node).accepted).toEqual({ SOFT: 0, HARD: 0 });
        system.simulator.holdTaskState(node, null);
      },
    );
  });

  describe('2 and 3. Ends by its deadline whatever stops it, and never sends after it', () => {
    /** Stops every worker, starts a reboot of `node`, then runs `before` and starts a worker with `env`. */
    async function withWorker(node: string, env: Record<string, string>, wait = 0): Promise<string> {
      await Promise.all(system.workers.filter((worker) => worker.running).map((worker) => worker.stop()));
      const jobId = await startReboot(system, operator, node);
      await new Promise((resolve) => setTimeout(resolve, wait));
      await system.startWorker({ ...WORKER, ...env });
      return jobId;
    }

    it('a job whose deadline passed while it waited in the queue: Fail, nothing sent', async () => {
      const node = 'worker-1.openstacklocal';
      const jobId = await withWorker(node, {}, DEADLINE_SECONDS * 1000 + 500);
      const job = await followJob(system, operator, jobId);
      expect(job).toMatchObject({
        output: 'Fail',
        errors: `Deadline passed before the reboot could be sent: no reboot was sent to ${node}. Reboot again if it is still needed.`,
      });
      expect(reboots(node).received).toEqual({ SOFT: 0, HARD: 0 });
      expect((await ending(jobId)).nodeFree).toBe(true);
    });

    it.each([
      [
        'lacks the cluster secret',
        { OSHIFT_SECRET_E2E_OPENSTACK: '' },
        /secret variable OSHIFT_SECRET_E2E_OPENSTACK is not set/,
      ],
      [
        'cannot authenticate',
        { OSHIFT_SECRET_E2E_OPENSTACK: 'wrong-password' },
        /Keystone refused to issue a token \(HTTP 401\)/,
      ],
    ])('a worker that %s: Fail by the deadline, nothing sent, node freed', async (_, env, problem) => {
      const node = 'master-0.openstacklocal';
      const jobId = await withWorker(node, env);
      const job = await followJob(system, operator, jobId, { timeoutMs: (DEADLINE_SECONDS + 10) * 1000 });
      expect(job.output).toBe('Fail');
      expect(job.errors).toMatch(
        new RegExp(`^Deadline passed before the reboot could be sent: no reboot was sent to ${node}\\. Last problem: `),
      );
      expect(job.errors).toMatch(problem);
      expect(job.errors).not.toMatch(/wrong-password|demo-password/);
      expect(reboots(node).received).toEqual({ SOFT: 0, HARD: 0 });
      const end = await ending(jobId);
      expect(end).toMatchObject({ state: 'failed', nodeFree: true });
      expect(end.lateMs).toBeLessThan(END_SLACK_MS);
    });
  });

  it('4. a burst of 150 unknown targets costs at most one Nova listing per cache period', async () => {
    await new Promise((resolve) => setTimeout(resolve, 2100)); // a fresh cache period
    const before = system.simulator.listCalls();
    const startedAt = Date.now();
    const path = `/api/openshift/${system.clusterId}/reboot`;
    for (let i = 0; i < 15; i++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          system.request('POST', path, { user: operator, form: { target: `bogus-${i}-${j}.openstacklocal` } }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(404));
    }
    const periods = Math.floor((Date.now() - startedAt) / 2000) + 1;
    const pages = 3; // 10 servers, at most 4 a page
    const listed = system.simulator.listCalls() - before;
    console.log(JSON.stringify({ unknownTargets: 150, novaListCalls: listed, cachePeriods: periods }));
    expect(listed).toBeLessThanOrEqual(pages * periods);
  });

  it('2. a worker that cannot reach OpenStack at all: Fail by the deadline, node freed', async () => {
    const node = 'haproxy-0.openstacklocal';
    await Promise.all(system.workers.filter((worker) => worker.running).map((worker) => worker.stop()));
    const jobId = await startReboot(system, operator, node);
    await system.simulator.close();
    await system.startWorker(WORKER);
    const job = await followJob(system, operator, jobId, { timeoutMs: (DEADLINE_SECONDS + 10) * 1000 });
    expect(job.output).toBe('Fail');
    expect(job.errors).toMatch(
      new RegExp(
        `^Deadline passed before the reboot could be sent: no reboot was sent to ${node}\\. Last problem: .*ECONNREFUSED`,
      ),
    );
    expect(reboots(node).received).toEqual({ SOFT: 0, HARD: 0 });
    const end = await ending(jobId);
    expect(end).toMatchObject({ state: 'failed', nodeFree: true });
    expect(end.lateMs).toBeLessThan(END_SLACK_MS);
  });
});
