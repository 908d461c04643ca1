import { newJobId } from '@oshift/jobs';
import { TcpProxy } from '@oshift/testing';
import { AlertmanagerProcess, type ListedSilence } from './alertmanager.process';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The silence whose comment names the job, once Alertmanager lists it in `state`. */
async function silenceOf(alertmanager: AlertmanagerProcess, jobId: string, state: string): Promise<ListedSilence> {
  const until = Date.now() + 15000;
  for (;;) {
    const silence = (await alertmanager.silences()).find((listed) => listed.comment.includes(jobId));
    if (silence?.status.state === state) return silence;
    if (Date.now() > until) throw new Error(`no ${state} silence for ${jobId}: ${JSON.stringify(silence)}`);
    await sleep(100);
  }
}

describe('Alertmanager silences while a reboot runs (Debian’s Alertmanager)', () => {
  let alertmanager: AlertmanagerProcess;
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    alertmanager = await AlertmanagerProcess.start();
    system = await SystemUnderTest.start({
      workerEnv: { ALERTMANAGER_URL: alertmanager.url, RECONCILE_INTERVAL_MS: '1000' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
    await alertmanager?.stop();
  });

  it('silences the node while it reboots, naming the job and requester, and expires the silence at Done', async () => {
    const node = 'worker-0.openstacklocal';
    system.simulator.setKnobs({ rebootDurationMs: 3000 }, node);
    const jobId = await startReboot(system, operator, node);
    await followJob(system, operator, jobId, { until: (output) => output.includes(`${node} REBOOT`) });

    const active = await silenceOf(alertmanager, jobId, 'active');
    expect(active.createdBy).toBe('oshift');
    expect(active.comment).toBe(`Reboot of ${node} requested by ${operator.username} (oshift job ${jobId})`);
    expect(active.matchers).toEqual([
      { name: 'node', value: node, isRegex: false, isEqual: true },
      { name: 'instance', value: 'worker-0\\.openstacklocal(:.*)?', isRegex: true, isEqual: true },
    ]);
    // It ends at the job's deadline (JOB_DEADLINE_SECONDS, 600 s by default, from the request).
    const lasts = Date.parse(active.endsAt) - Date.now();
    expect(lasts).toBeGreaterThan(590_000);
    expect(lasts).toBeLessThanOrEqual(600_000);

    const job = await followJob(system, operator, jobId);
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(job.output).not.toContain('Silence:');
    const expired = await silenceOf(alertmanager, jobId, 'expired');
    expect(expired.id).toBe(active.id);
  });

  it('is expired by any worker once its job has ended, even when the one that ended it did not (a crash)', async () => {
    // A silence a worker created for a job that then ended without that worker expiring it.
    const created = await fetch(`${alertmanager.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'node', value: 'master-0.openstacklocal', isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 600_000).toISOString(),
        createdBy: 'oshift',
        comment: 'left behind by a crashed worker',
      }),
    });
    const { silenceID } = (await created.json()) as { silenceID: string };
    await system.dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, silence_id, finished_at)
       VALUES ($1, $2, 'master-0.openstacklocal', 'done', 'e2e', $3, now())`,
      [newJobId(), system.clusterId, silenceID],
    );
    const until = Date.now() + 15000;
    let state = '';
    while (state !== 'expired' && Date.now() < until) {
      await sleep(200);
      state = (await alertmanager.silences()).find((silence) => silence.id === silenceID)?.status.state ?? '';
    }
    expect(state).toBe('expired');
  });

  it('reboots all the same when Alertmanager is down, and says so in a Silence: line', async () => {
    await alertmanager.stop();
    const node = 'worker-1.openstacklocal';
    system.simulator.setKnobs({ rebootDurationMs: 1000 }, node);
    const jobId = await startReboot(system, operator, node);
    const job = await followJob(system, operator, jobId);
    const lines = job.output.split('\n');
    expect(lines[0]).toBe(`Silence: could not silence alerts for ${node} (Alertmanager unreachable (ECONNREFUSED))`);
    expect(lines.slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 1, HARD: 0 });
  });

  it('sends the token only to Alertmanager; reboots all the same when it does not answer, after its timeout', async () => {
    const restarted = await AlertmanagerProcess.start();
    const proxy = await TcpProxy.forUrl(restarted.url);
    try {
      await system.workers[0]!.stop();
      const token = 'am-token-5f1c2e9d7a';
      await system.startWorker({
        ALERTMANAGER_URL: proxy.url(restarted.url),
        ALERTMANAGER_TOKEN_REF: 'env:OSHIFT_SECRET_ALERTMANAGER',
        OSHIFT_SECRET_ALERTMANAGER: token,
        RECONCILE_INTERVAL_MS: '1000',
      });
      const silenced = 'worker-2.openstacklocal';
      system.simulator.setKnobs({ rebootDurationMs: 1000 }, silenced);
      const first = await startReboot(system, operator, silenced);
      expect((await followJob(system, operator, first)).output).not.toContain('Silence:');
      await silenceOf(restarted, first, 'expired');
      expect(proxy.clientData).toContain(`authorization: Bearer ${token}\r\n`);

      proxy.pause('blackhole');
      const node = 'worker-1.openstacklocal';
      const jobId = await startReboot(system, operator, node);
      const job = await followJob(system, operator, jobId);
      const lines = job.output.split('\n');
      expect(lines[0]).toBe(
        `Silence: could not silence alerts for ${node} (Alertmanager did not answer within 5000 ms)`,
      );
      expect(lines.slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
      expect(system.workers.map((worker) => worker.logs).join('')).not.toContain(token);
    } finally {
      await proxy.close();
      await restarted.stop();
    }
  }, 60000);
});
