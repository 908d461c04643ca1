import { followJob, startReboot } from './job-polling';
import { oshift, settingsFor } from './oshift.runner';
import { SystemUnderTest, type TestUser } from './system-under-test';

interface JobWithEta {
  state: string;
  started_at: string | null;
  eta?: string;
  eta_basis?: string;
}

/** `GET job/{id}` once the node is seen rebooting. */
async function whileRebooting(system: SystemUnderTest, user: TestUser, node: string, ms: number) {
  system.simulator.setKnobs({ rebootDurationMs: ms }, node);
  const jobId = await startReboot(system, user, node);
  await followJob(system, user, jobId, { until: (output) => output.includes(`${node} REBOOT`) });
  const response = await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}`, { user });
  expect(response.status).toBe(200);
  return { jobId, job: (await response.json()) as JobWithEta, asked: Date.now() };
}

describe('an honest ETA', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start();
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('is absent with no history, then learnt from the node’s, its role’s and the cluster’s reboots', async () => {
    const first = await whileRebooting(system, operator, 'worker-0.openstacklocal', 2500);
    expect(first.job.state).toBe('running');
    expect(first.job).not.toHaveProperty('eta');
    expect(first.job).not.toHaveProperty('eta_basis');
    await followJob(system, operator, first.jobId);
    for (let i = 0; i < 2; i += 1) {
      const again = await whileRebooting(system, operator, 'worker-0.openstacklocal', 2500);
      await followJob(system, operator, again.jobId);
    }

    // Three reboots of worker-0 took about 2.5 s each (plus the watcher's poll): the next is back in about that.
    const node = await whileRebooting(system, operator, 'worker-0.openstacklocal', 6000);
    expect(node.job.eta_basis).toBe('node');
    const left = Date.parse(node.job.eta!) - node.asked;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(4500);
    const list = await system.request('GET', `/api/openshift/${system.clusterId}/jobs?state=running`, {
      user: operator,
    });
    const listed = ((await list.json()) as { jobs: ({ job_id: string } & JobWithEta)[] }).jobs;
    expect(listed.find((job) => job.job_id === node.jobId)).toMatchObject({ eta: node.job.eta, eta_basis: 'node' });
    await followJob(system, operator, node.jobId);

    const role = await whileRebooting(system, operator, 'worker-1.openstacklocal', 2500);
    expect(role.job.eta_basis).toBe('role');
    expect(Date.parse(role.job.eta!)).toBeGreaterThanOrEqual(role.asked - 1000);
    await followJob(system, operator, role.jobId);

    const cluster = await whileRebooting(system, operator, 'master-0.openstacklocal', 2500);
    expect(cluster.job.eta_basis).toBe('cluster');
    const ended = await followJob(system, operator, cluster.jobId);
    expect(ended.output.split('\n').at(-1)).toBe('Done');
    const after = await system.request('GET', `/api/openshift/${system.clusterId}/job/${cluster.jobId}`, {
      user: operator,
    });
    expect(await after.json()).not.toHaveProperty('eta');

    // The CLI tells people when to expect the node back, once, on stderr; stdout is the job id and its lines. It
    // asks for the ETA at the first status line: the reboot lasts long enough that a loaded machine still asks
    // while it runs (a 1 s one had ended by then once, and an ended job has no ETA to tell).
    system.simulator.setKnobs({ rebootDurationMs: 5000 }, 'worker-0.openstacklocal');
    const run = await oshift(['reboot', 'worker-0.openstacklocal', '--follow'], settingsFor(system, operator));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^back in about \d+ s\n$/);
    const [jobId, ...lines] = run.stdout.trimEnd().split('\n');
    const shown = await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}`, { user: operator });
    expect(lines.join('\n')).toBe(((await shown.json()) as { output: string }).output);
  }, 120000);
});
