import { demoProject } from '@oshift/openstack-sim';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Waiting is fair: within a cluster and a role, reboots start in the order they were asked, whichever worker
 * looks at them first and however many wait. Checked at the simulator: the moment each server's reboot began.
 */
const PROJECT = demoProject().id;
const node = (name: string) => `${name}.openstacklocal`;

describe('fair admission', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      extraServers: [node('worker-3'), node('worker-4')],
      knobs: { rebootDurationMs: 1500 },
      workers: 3,
      workerEnv: { POLL_INTERVAL_MS: '1000' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('starts five worker reboots asked one after another in request order, one at a time', async () => {
    const asked = ['worker-3', 'worker-0', 'worker-4', 'worker-2', 'worker-1'].map(node);
    const jobs: string[] = [];
    for (const target of asked) jobs.push(await startReboot(system, operator, target));
    const ended = await Promise.all(jobs.map((job) => followJob(system, operator, job, { timeoutMs: 120000 })));
    expect(ended.map((job) => job.output.split('\n').at(-1))).toEqual(asked.map(() => 'Done'));
    const began = (name: string) => system.simulator.server(name).lastRebootPeriod?.start ?? Infinity;
    expect([...asked].sort((a, b) => began(a) - began(b))).toEqual(asked);
    expect(system.simulator.projectStats(PROJECT).maxInReboot.worker).toBe(1);
  }, 150000);
});
