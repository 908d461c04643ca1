import { deleteRedisKeys, testServices } from '@oshift/testing';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * The double reboots issue 9 found by reading, built as simulator faults and proved gone: each asserts the
 * job's end and the exact reboot actions the simulator received.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a HARD escalation whose POST Nova applies after the client gave up', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      workerEnv: { SOFT_REBOOT_TIMEOUT_SECONDS: '1', OPENSTACK_TIMEOUT_MS: '1000', POLL_INTERVAL_MS: '200' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  /** Starts a reboot, and once Nova has taken the SOFT one, delays every later action on the node by `delayMs`. */
  async function escalatingLate(node: string, rebootMs: number, delayMs: number) {
    system.simulator.setKnobs({ rebootDurationMs: rebootMs }, node);
    const jobId = await startReboot(system, operator, node);
    await followJob(system, operator, jobId, { until: (output) => output.includes(`${node} REBOOT`) });
    system.simulator.setKnobs({ actionDelayMs: delayMs }, node);
    return followJob(system, operator, jobId);
  }

  it('is re-checked while Nova may still apply it, never sent twice: one SOFT, one HARD, Done', async () => {
    const node = 'worker-0.openstacklocal';
    // The HARD POST times out after 1 s, Nova applies it 1.8 s after it was sent, while the SOFT one still runs.
    const job = await escalatingLate(node, 6000, 1800);
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(job.output).toContain(`${node} HARD_REBOOT`);
    expect(job.output.match(/escalating to HARD reboot/g)).toHaveLength(1);
    expect(job.errors).toBe('');
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 1, HARD: 1 });
  });

  it('is not sent again once the SOFT reboot has finished meanwhile: Done, one HARD received', async () => {
    const node = 'worker-1.openstacklocal';
    // The HARD POST times out after 1 s; the SOFT reboot ends 2.5 s in, before Nova gets round to the HARD one.
    const job = await escalatingLate(node, 2500, 4000);
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(job.output.match(/escalating to HARD reboot/g)).toHaveLength(1);
    await sleep(4000); // the late HARD POST lands (Nova's doing, after our Done); nothing more is sent
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 1, HARD: 1 });
  });
});

describe('a second handler while the reboot POST is in flight', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      workers: 2,
      workerEnv: { JOB_LEASE_SECONDS: '2', RECONCILE_INTERVAL_MS: '1000', POLL_INTERVAL_MS: '200' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('cannot take the job mid-POST (the lease is kept alive while it runs): one reboot, Done', async () => {
    const node = 'master-1.openstacklocal';
    // Nova takes 5 s to answer the POST: longer than the lease; the queue is lost meanwhile, so the other
    // worker's reconciler re-enqueues the job and a second handler tries to claim it.
    system.simulator.setKnobs({ actionDelayMs: 5000, rebootDurationMs: 1000 }, node);
    const jobId = await startReboot(system, operator, node);
    await sleep(1000);
    await deleteRedisKeys(testServices().redisUrl, `${system.redisPrefix}:`);
    const job = await followJob(system, operator, jobId);
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 1, HARD: 0 });
  });
});

describe('a worker SIGKILLed mid-reboot, with production default timings', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    // Defaults: POLL_INTERVAL_MS 1000, JOB_LEASE_SECONDS 30, RECONCILE_INTERVAL_MS 30000, BullMQ locks 15 s.
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 70000 },
      workers: 2,
      workerEnv: { POLL_INTERVAL_MS: '1000' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('is resumed by another worker within 45 s, and the node is rebooted once', async () => {
    const node = 'infra-0.openstacklocal';
    const jobId = await startReboot(system, operator, node);
    await followJob(system, operator, jobId, { until: (output) => output.includes(`${node} REBOOT`) });
    const [{ lease_owner: owner }] = await system.dataSource.query(`SELECT lease_owner FROM jobs WHERE id = $1`, [
      jobId,
    ]);
    const victim = system.workers.find((worker) => owner.split(':')[1] === String(worker.pid));
    expect(victim).toBeDefined();
    const lines = async () =>
      Number((await system.dataSource.query(`SELECT count(*) AS n FROM job_lines WHERE job_id = $1`, [jobId]))[0].n);
    await victim!.stop('SIGKILL');
    const killedAt = Date.now();
    const linesAtKill = await lines();
    let resumedAfterMs = -1;
    while (Date.now() - killedAt < 60000) {
      const [row] = await system.dataSource.query(`SELECT lease_owner FROM jobs WHERE id = $1`, [jobId]);
      if (row.lease_owner !== owner && (await lines()) > linesAtKill) {
        resumedAfterMs = Date.now() - killedAt;
        break;
      }
      await sleep(250);
    }
    console.log(JSON.stringify({ resumedAfterMs }));
    expect(resumedAfterMs).toBeGreaterThan(0);
    expect(resumedAfterMs).toBeLessThan(45000);
    const job = await followJob(system, operator, jobId, { timeoutMs: 90000 });
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 1, HARD: 0 });
  }, 180000);
});
