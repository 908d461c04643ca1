import { demoProject } from '@oshift/openstack-sim';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Rolling reboots (issue 10) against gateway, workers and simulator with the production poll interval: one node
 * at a time within each role's rules, every node's lines in the one job's output, the order across roles, a
 * failure that stops the rest, and cancel.
 */
const PROJECT = demoProject().id;
const node = (name: string) => `${name}.openstacklocal`;
const DEFAULTS = { POLL_INTERVAL_MS: '1000' };

/** Node names in the order their `<node> ACTIVE` line first appears in a rolling job's output. */
function rebootOrder(output: string): string[] {
  const order: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\S+) ACTIVE$/.exec(line);
    if (match && !order.includes(match[1]!)) order.push(match[1]!);
  }
  return order;
}

describe('rolling reboots', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 }, workers: 2, workerEnv: DEFAULTS });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  async function rolling(body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await system.request('POST', `/api/openshift/${system.clusterId}/rolling-reboot`, {
      user: operator,
      json: body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it.each([
    ['worker', ['worker-0', 'worker-1', 'worker-2']],
    ['infra', ['infra-0', 'infra-1']],
    ['master', ['master-0', 'master-1', 'master-2']],
    ['haproxy', ['haproxy-0', 'haproxy-1']],
  ])(
    'reboots every %s node, one at a time, in one job ending Done',
    async (role, names) => {
      const started = await rolling({ role });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ state: 'started', job_id: expect.any(String) });
      const job = await followJob(system, operator, started.body.job_id as string, { timeoutMs: 120000 });
      expect(job.errors).toBe('');
      expect(job.output.endsWith('\nDone')).toBe(true);
      expect(rebootOrder(job.output)).toEqual(names.map(node));
      for (const name of names) expect(system.simulator.reboots(node(name)).received.SOFT).toBeGreaterThanOrEqual(1);
      expect(system.simulator.projectStats(PROJECT).maxInReboot[role as 'worker']).toBe(1);
    },
    150000,
  );

  it('reboots the whole cluster in the documented order: workers, infra, masters, HAProxy nodes', async () => {
    const started = await rolling({ role: 'all', type: 'SOFT' });
    expect(started.status).toBe(202);
    const job = await followJob(system, operator, started.body.job_id as string, { timeoutMs: 240000 });
    expect(job.output.endsWith('\nDone')).toBe(true);
    expect(rebootOrder(job.output)).toEqual(
      [
        'worker-0',
        'worker-1',
        'worker-2',
        'infra-0',
        'infra-1',
        'master-0',
        'master-1',
        'master-2',
        'haproxy-0',
        'haproxy-1',
      ].map(node),
    );
    const stats = system.simulator.projectStats(PROJECT);
    expect(Object.values(stats.maxInReboot).every((most) => most <= 1)).toBe(true);
  }, 300000);

  it('respects a single reboot running at the same time, and the single reboot respects it', async () => {
    const single = await startReboot(system, operator, node('worker-1'));
    const started = await rolling({ role: 'worker' });
    const [job, alone] = await Promise.all([
      followJob(system, operator, started.body.job_id as string, { timeoutMs: 120000 }),
      followJob(system, operator, single),
    ]);
    expect(job.output.endsWith('\nDone')).toBe(true);
    expect(alone.output.endsWith('\nDone')).toBe(true);
    expect(system.simulator.projectStats(PROJECT).maxInReboot.worker).toBe(1);
  }, 150000);

  it('ends Fail at the first node that fails, leaving the rest alone and naming them', async () => {
    system.simulator.setKnobs({ rebootEndsIn: 'ERROR' }, node('worker-1'));
    try {
      const before = system.simulator.reboots(node('worker-2')).received.SOFT;
      const started = await rolling({ role: 'worker' });
      const job = await followJob(system, operator, started.body.job_id as string, { timeoutMs: 120000 });
      expect(job.output.endsWith('\nFail')).toBe(true);
      expect(job.errors).toMatch(/^worker-1\.openstacklocal: .*ERROR.*; not rebooted: worker-2\.openstacklocal$/);
      expect(system.simulator.reboots(node('worker-2')).received.SOFT).toBe(before);
    } finally {
      system.simulator.setKnobs({ rebootEndsIn: 'ACTIVE' }, node('worker-1'));
    }
  }, 150000);

  it('is cancelled by DELETE: the node being rebooted finishes, the rest is left alone, Fail "Cancelled by"', async () => {
    system.simulator.setKnobs({ rebootDurationMs: 5000 }, node('infra-0'));
    const before = system.simulator.reboots(node('infra-1')).received.SOFT;
    const started = await rolling({ role: 'infra' });
    const jobId = started.body.job_id as string;
    await followJob(system, operator, jobId, { until: (output) => output.includes(`${node('infra-0')} REBOOT`) });
    const cancel = await system.request('DELETE', `/api/openshift/${system.clusterId}/job/${jobId}`, {
      user: operator,
    });
    expect(cancel.status).toBe(200);
    const job = await followJob(system, operator, jobId, { timeoutMs: 60000 });
    expect(job.output.endsWith('\nFail')).toBe(true);
    expect(job.errors).toBe(`Cancelled by ${operator.username}`);
    expect(job.output).toContain(`${node('infra-0')} ACTIVE`);
    expect(system.simulator.reboots(node('infra-1')).received.SOFT).toBe(before);
    const again = await system.request('DELETE', `/api/openshift/${system.clusterId}/job/${jobId}`, { user: operator });
    expect(again.status).toBe(409);
  }, 120000);

  it('cancels a waiting single reboot at once; a reboot already sent cannot be cancelled (409)', async () => {
    system.simulator.setKnobs({ rebootDurationMs: 6000 }, node('master-0'));
    const master1Before = system.simulator.reboots(node('master-1')).received.SOFT;
    const first = await startReboot(system, operator, node('master-0'));
    await followJob(system, operator, first, { until: (output) => output.includes('REBOOT') });
    const waiting = await startReboot(system, operator, node('master-1'));
    await followJob(system, operator, waiting, { until: (output) => output.startsWith('Waiting: ') });
    const cancel = await system.request('DELETE', `/api/openshift/${system.clusterId}/job/${waiting}`, {
      user: operator,
    });
    expect(cancel.status).toBe(200);
    const cancelled = await followJob(system, operator, waiting);
    expect(cancelled.errors).toBe(`Cancelled by ${operator.username}`);
    expect(system.simulator.reboots(node('master-1')).received.SOFT).toBe(master1Before);
    const sent = await system.request('DELETE', `/api/openshift/${system.clusterId}/job/${first}`, { user: operator });
    expect(sent.status).toBe(409);
    expect((await followJob(system, operator, first)).output.endsWith('Done')).toBe(true);
  }, 120000);
});
