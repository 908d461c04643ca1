import { demoProject } from '@oshift/openstack-sim';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Issue 10's safety promises, played against gateway, workers and simulator with production default timings
 * (POLL_INTERVAL_MS 1000, JOB_LEASE_SECONDS 30): the simulator records the most servers of each role that were
 * in a reboot at the same moment, so "never two masters at once" is Nova's own count, not ours.
 */
const PROJECT = demoProject().id;
const node = (name: string) => `${name}.openstacklocal`;
const DEFAULTS = { POLL_INTERVAL_MS: '1000' };

describe('masters and HAProxy nodes asked together', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 2500 }, workers: 2, workerEnv: DEFAULTS });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('reboots the three masters one at a time, each only with the other two ACTIVE: all Done', async () => {
    const masters = ['master-0', 'master-1', 'master-2'].map(node);
    const jobIds = await Promise.all(masters.map((name) => startReboot(system, operator, name)));
    const jobs = await Promise.all(jobIds.map((id) => followJob(system, operator, id, { timeoutMs: 90000 })));
    for (const [index, job] of jobs.entries()) {
      expect(job.errors).toBe('');
      expect(job.output.split('\n').slice(-2)).toEqual([`${masters[index]} ACTIVE`, 'Done']);
      expect(system.simulator.reboots(masters[index]!).received).toEqual({ SOFT: 1, HARD: 0 });
    }
    expect(system.simulator.projectStats(PROJECT).maxInReboot.master).toBe(1);
    // Two of the three waited, and said why once, in their first line: a master rebooting, or one asked first.
    const waited = jobs.filter((job) => job.output.startsWith('Waiting: '));
    expect(waited).toHaveLength(2);
    for (const job of waited) {
      expect(job.output.split('\n')[0]).toMatch(
        /^Waiting: master-\d\.openstacklocal (is (rebooting|REBOOT|ACTIVE)|asked first)/,
      );
      expect(job.output.match(/^Waiting: /gm)).toHaveLength(1);
    }
  }, 120000);

  it('reboots the two HAProxy nodes one at a time, and a worker beside them at once', async () => {
    const names = ['haproxy-0', 'haproxy-1', 'worker-2'].map(node);
    const jobIds = await Promise.all(names.map((name) => startReboot(system, operator, name)));
    const jobs = await Promise.all(jobIds.map((id) => followJob(system, operator, id, { timeoutMs: 90000 })));
    for (const job of jobs) expect(job.output.endsWith('Done')).toBe(true);
    const stats = system.simulator.projectStats(PROJECT);
    expect(stats.maxInReboot.haproxy).toBe(1);
    // The worker's reboot had no reason to wait for the HAProxy nodes.
    expect(jobs[2]!.output).not.toContain('Waiting');
    expect(jobs.filter((job) => job.output.startsWith('Waiting: '))).toHaveLength(1);
  }, 120000);

  it('lets max_parallel workers reboot together when the operator allows it, and no more', async () => {
    await system.setRebootPolicy({ roles: { worker: { max_parallel: 2 } } });
    try {
      const names = ['worker-0', 'worker-1', 'worker-2'].map(node);
      const before = system.simulator.projectStats(PROJECT).maxInReboot.worker;
      const jobIds = await Promise.all(names.map((name) => startReboot(system, operator, name)));
      const jobs = await Promise.all(jobIds.map((id) => followJob(system, operator, id, { timeoutMs: 90000 })));
      for (const job of jobs) expect(job.output.endsWith('Done')).toBe(true);
      expect(jobs.filter((job) => job.output.startsWith('Waiting: '))).toHaveLength(1);
      expect(Math.max(before, 2)).toBe(system.simulator.projectStats(PROJECT).maxInReboot.worker);
    } finally {
      await system.setRebootPolicy(null);
    }
  }, 120000);
});

describe('a master whose quorum never comes back, with a short deadline', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1500 },
      workerEnv: DEFAULTS,
      gatewayEnv: { JOB_DEADLINE_SECONDS: '25' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('waits, then ends Fail at its deadline saying why, with nothing sent', async () => {
    // master-2's reboot ends SHUTOFF: from then on etcd lacks a member and no other master may reboot.
    system.simulator.setKnobs({ rebootEndsIn: 'SHUTOFF' }, node('master-2'));
    const broken = await followJob(system, operator, await startReboot(system, operator, node('master-2')));
    expect(broken.output.endsWith('Fail')).toBe(true);

    const started = Date.now();
    const job = await followJob(system, operator, await startReboot(system, operator, node('master-0')), {
      timeoutMs: 60000,
    });
    expect(job.output.split('\n')).toEqual([
      `Waiting: ${node('master-2')} is SHUTOFF: etcd needs every other master`,
      'Fail',
    ]);
    expect(job.errors).toMatch(/^Deadline passed while waiting \(.*master-2.* is SHUTOFF.*\): no reboot was sent/);
    expect(Date.now() - started).toBeGreaterThan(10000);
    expect(system.simulator.reboots(node('master-0')).received).toEqual({ SOFT: 0, HARD: 0 });
  }, 90000);
});

describe('waiting jobs when every worker is SIGKILLed, with production default timings', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 6000 }, workers: 2, workerEnv: DEFAULTS });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('are neither lost nor started twice: every master Done, rebooted once, one at a time', async () => {
    const masters = ['master-0', 'master-1', 'master-2'].map(node);
    const jobIds = await Promise.all(masters.map((name) => startReboot(system, operator, name)));
    // One master reboots, two wait.
    await Promise.all(jobIds.map((id) => followJob(system, operator, id, { until: (output) => output.length > 0 })));
    await Promise.all(system.workers.map((worker) => worker.stop('SIGKILL')));
    await Promise.all([system.startWorker(DEFAULTS), system.startWorker(DEFAULTS)]);

    const jobs = await Promise.all(jobIds.map((id) => followJob(system, operator, id, { timeoutMs: 150000 })));
    for (const [index, job] of jobs.entries()) {
      expect(job.output.split('\n').slice(-2)).toEqual([`${masters[index]} ACTIVE`, 'Done']);
      expect(system.simulator.reboots(masters[index]!).received).toEqual({ SOFT: 1, HARD: 0 });
    }
    expect(system.simulator.projectStats(PROJECT).maxInReboot.master).toBe(1);
  }, 200000);
});
