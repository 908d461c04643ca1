import { KeystoneSession, NovaClient } from '@oshift/openstack-client';
import { demoProject } from '@oshift/openstack-sim';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/** Each simulator fault leads to the right end of the job, through the real gateway and worker. */
describe('reboot jobs under OpenStack faults', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let nova: NovaClient;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 400 },
      gatewayEnv: { JOB_DEADLINE_SECONDS: '8' },
      workerEnv: { SOFT_REBOOT_TIMEOUT_SECONDS: '1', POLL_INTERVAL_MS: '200', OPENSTACK_TIMEOUT_MS: '2000' },
    });
    operator = await system.user(['reboot']);
    // The hung worker below never comes back, so it stays in flight (as it should): one more worker may reboot.
    await system.setRebootPolicy({ roles: { worker: { max_parallel: 2 } } });
    const project = demoProject();
    const session = new KeystoneSession({
      authUrl: system.simulator.identityUrl,
      username: project.users[0].name,
      password: project.users[0].password,
      userDomainName: 'Default',
      projectName: project.name,
      projectDomainName: 'Default',
    });
    nova = new NovaClient(session);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  /** Reboot actions Nova recorded for a server (what really reached it, not what was attempted). */
  async function appliedReboots(name: string): Promise<number> {
    const actions = await nova.listInstanceActions(system.simulator.serverId(name));
    return actions.filter((action) => action.action === 'reboot').length;
  }

  it('a reboot that hangs (SOFT, then HARD after escalation) ends Fail at the deadline', async () => {
    system.simulator.setKnobs({ rebootHangs: true }, 'worker-1.openstacklocal');
    const jobId = await startReboot(system, operator, 'worker-1.openstacklocal');
    const job = await followJob(system, operator, jobId);
    const lines = job.output.split('\n');
    expect(lines).toContain('Soft reboot did not finish in 1 s: escalating to HARD reboot');
    expect(lines).toContain('worker-1.openstacklocal HARD_REBOOT');
    expect(lines[lines.length - 1]).toBe('Fail');
    expect(job.errors).toBe(
      'Deadline passed: worker-1.openstacklocal is still HARD_REBOOT (a HARD reboot was sent and did not finish in time)',
    );
    // The node is not back: its reboot still counts as in flight, for the cluster's rules, until Nova shows it at rest.
    const [row] = await system.dataSource.query(`SELECT released_at FROM jobs WHERE id = $1`, [jobId]);
    expect(row.released_at).toBeNull();
  });

  it('a SOFT reboot slower than its limit is escalated to HARD, then ends Done', async () => {
    system.simulator.setKnobs({ rebootDurationMs: 2500 }, 'master-1.openstacklocal');
    const job = await followJob(system, operator, await startReboot(system, operator, 'master-1.openstacklocal'));
    const lines = job.output.split('\n');
    const escalation = lines.indexOf('Soft reboot did not finish in 1 s: escalating to HARD reboot');
    expect(escalation).toBeGreaterThan(0);
    expect(lines.slice(0, escalation).every((line) => line === 'master-1.openstacklocal REBOOT')).toBe(true);
    expect(lines.slice(escalation + 1, -2)).toContain('master-1.openstacklocal HARD_REBOOT');
    expect(lines.slice(-2)).toEqual(['master-1.openstacklocal ACTIVE', 'Done']);
    expect(job.errors).toBe('');
    expect(await appliedReboots('master-1.openstacklocal')).toBe(2); // the SOFT one and the HARD one
  });

  it.each([
    ['ERROR', 'infra-0.openstacklocal'],
    ['SHUTOFF', 'infra-1.openstacklocal'],
  ] as const)('a reboot that ends in %s ends Fail with the reason', async (status, node) => {
    system.simulator.setKnobs({ rebootEndsIn: status }, node);
    const job = await followJob(system, operator, await startReboot(system, operator, node));
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ${status}`, 'Fail']);
    expect(job.errors).toMatch(new RegExp(`^${node.replace(/\./g, '\\.')} went ${status} during the reboot`));
  });

  it('a burst of 5xx answers is retried: the job ends Done and Nova got exactly one reboot', async () => {
    const node = 'worker-2.openstacklocal';
    system.simulator.setKnobs({ failNextRequests: 6 }, node);
    const job = await followJob(system, operator, await startReboot(system, operator, node));
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(job.errors).toBe('');
    expect(await appliedReboots(node)).toBe(1);
  });

  it('an expired Keystone token is renewed and the job ends Done', async () => {
    const node = 'haproxy-1.openstacklocal';
    // Shorter than the 1 s escalation limit, longer than the moment the tokens expire.
    system.simulator.setKnobs({ rebootDurationMs: 900 }, node);
    const issued = system.simulator.stats().tokensIssued;
    const jobId = await startReboot(system, operator, node);
    await new Promise((resolve) => setTimeout(resolve, 500));
    system.simulator.expireTokens();
    const job = await followJob(system, operator, jobId);
    expect(job.output).not.toContain('escalating');
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(system.simulator.stats().tokensIssued).toBeGreaterThan(issued);
    expect(await appliedReboots(node)).toBe(1);
  });
});
