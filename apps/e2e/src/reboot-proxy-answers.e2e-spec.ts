import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * A 5xx answer to the reboot POST does not say whether nova-api acted: only Nova's own fault body says it did not.
 * Each case is a simulator fault through the real gateway and worker, with production default timings, and
 * asserts the job's end and what the simulator itself counted.
 */
describe('a reboot POST answered 5xx', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 } });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('by a proxy (502, empty body) after Nova took it: confirmed, never sent again, rebooted once, Done', async () => {
    const node = 'worker-0.openstacklocal';
    system.simulator.setKnobs({ nextActionFaults: [{ status: 502, acted: true, body: 'empty' }] }, node);
    const job = await followJob(system, operator, await startReboot(system, operator, node));
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    expect(job.errors).toBe('');
    const seen = system.simulator.server(node);
    expect(seen.reboots.received).toEqual({ SOFT: 1, HARD: 0 });
    expect(seen.rebootPeriods).toBe(1);
  });

  it('by Nova itself (503 with its fault body), which did not act: sent again, rebooted once, Done', async () => {
    const node = 'worker-1.openstacklocal';
    system.simulator.setKnobs({ nextActionFaults: [{ status: 503, acted: false, body: 'nova' }] }, node);
    const job = await followJob(system, operator, await startReboot(system, operator, node));
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    const seen = system.simulator.server(node);
    expect(seen.reboots.received).toEqual({ SOFT: 2, HARD: 0 });
    expect(seen.reboots.accepted).toEqual({ SOFT: 1, HARD: 0 });
    expect(seen.rebootPeriods).toBe(1);
  });

  it('by a proxy (504, HTML page) before Nova saw it: sent again only once Nova could no longer apply it, Done', async () => {
    const node = 'worker-2.openstacklocal';
    system.simulator.setKnobs({ nextActionFaults: [{ status: 504, acted: false, body: 'html' }] }, node);
    const started = Date.now();
    const job = await followJob(system, operator, await startReboot(system, operator, node), { timeoutMs: 90000 });
    expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
    // The confirm window (30 s by default) passed before the second POST.
    expect(Date.now() - started).toBeGreaterThan(30000);
    const seen = system.simulator.server(node);
    expect(seen.reboots.received).toEqual({ SOFT: 2, HARD: 0 });
    expect(seen.reboots.accepted).toEqual({ SOFT: 1, HARD: 0 });
    expect(seen.rebootPeriods).toBe(1);
  }, 120000);
});
