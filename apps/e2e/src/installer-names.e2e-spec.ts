import { demoProject, installerNodes } from '@oshift/openstack-sim';
import { followJob } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * A cluster whose machines the OpenShift 4 installer named (`ocp-x7k2p-master-0`, `ocp-x7k2p-worker-0-bcdfg`):
 * the default rules know its roles, a dry run shows them, and a rolling reboot of its masters takes them one at
 * a time, as the simulator counts.
 */
const PROJECT = demoProject().id;
const NODES = installerNodes('ocp-x7k2p');
const MASTERS = ['ocp-x7k2p-master-0', 'ocp-x7k2p-master-1', 'ocp-x7k2p-master-2'];

describe('a cluster with the OpenShift 4 installer’s names', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      servers: NODES,
      knobs: { rebootDurationMs: 1500 },
      workers: 2,
      workerEnv: { POLL_INTERVAL_MS: '1000' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  const post = async (path: string, json: Record<string, unknown>) => {
    const response = await system.request('POST', `/api/openshift/${system.clusterId}/${path}`, {
      user: operator,
      json,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('shows each node’s role in a dry run: masters, workers and infra nodes, none other', async () => {
    expect(await post('reboot', { target: 'ocp-x7k2p-master-1', dry_run: true })).toEqual({
      status: 200,
      body: { would: 'start', reason: 'every other master is ACTIVE and settled', role: 'master' },
    });
    expect(await post('rolling-reboot', { role: 'master', dry_run: true })).toEqual({
      status: 200,
      body: {
        would: 'start',
        reason: 'every other master is ACTIVE and settled',
        nodes: MASTERS,
        roles: {
          'ocp-x7k2p-master-0': 'master',
          'ocp-x7k2p-master-1': 'master',
          'ocp-x7k2p-master-2': 'master',
          'ocp-x7k2p-worker-0-bcdfg': 'worker',
          'ocp-x7k2p-worker-1-hjklm': 'worker',
          'ocp-x7k2p-worker-2-npqrs': 'worker',
          'ocp-x7k2p-infra-0-tvwxz': 'infra',
          'ocp-x7k2p-infra-1-k2m4q': 'infra',
        },
      },
    });
  });

  it('reboots the three masters one at a time with role=master, and the job ends Done', async () => {
    const started = await post('rolling-reboot', { role: 'master' });
    expect(started.status).toBe(202);
    const job = await followJob(system, operator, started.body.job_id as string, { timeoutMs: 120000 });
    expect(job.errors).toBe('');
    expect(job.output.endsWith('\nDone')).toBe(true);
    for (const name of MASTERS) expect(system.simulator.reboots(name).accepted.SOFT).toBe(1);
    const stats = system.simulator.projectStats(PROJECT);
    expect(stats.maxInReboot.master).toBe(1);
    expect(stats.maxInReboot.other).toBe(0);
  }, 150000);
});
