import { demoProject } from './demo-project';
import { type Json, SimulatorHarness, sleep } from './simulator.harness';

/** What the seeded chaos run relies on: action faults that lie about what Nova did, and down intervals. */
describe('OpenStackSimulator for the chaos run', () => {
  const h = SimulatorHarness.install();
  const history = async (name: string): Promise<Json> => {
    const response = await fetch(`${h.sim.url}/_sim/history?project=${demoProject().id}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as Json).servers.find((server: Json) => server.name === name);
  };

  it('answers a reboot 502 from a proxy after Nova applied it, then Nova answers again', async () => {
    const node = 'worker-0.openstacklocal';
    h.sim.setKnobs({ nextActionFaults: [{ status: 502, acted: true, body: 'html' }], rebootDurationMs: 60_000 }, node);
    const first = await h.reboot(node, 'SOFT');
    expect(first.status).toBe(502);
    expect(first.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await first.text()).toContain('502 Bad Gateway');
    expect((await h.server(node)).status).toBe('REBOOT');
    expect(h.sim.reboots(node)).toMatchObject({ received: { SOFT: 1 }, accepted: { SOFT: 1 } });
    expect((await h.reboot(node, 'SOFT')).status).toBe(409);
    expect(h.sim.knobs(node).nextActionFaults).toEqual([]);
  });

  it('answers a Nova 500 without acting when told it did not act', async () => {
    const node = 'worker-1.openstacklocal';
    h.sim.setKnobs({ nextActionFaults: [{ status: 500, acted: false, body: 'nova' }] }, node);
    const answer = await h.reboot(node, 'HARD');
    expect(answer.status).toBe(500);
    expect(((await answer.json()) as Json).computeFault.code).toBe(500);
    expect((await h.server(node)).status).toBe('ACTIVE');
    expect(h.sim.reboots(node)).toMatchObject({ received: { HARD: 1 }, accepted: { HARD: 0 } });
    expect((await history(node)).reboots).toEqual([]);
  });

  it('records accepted reboots and keeps a server down from its reboot until it is next ACTIVE', async () => {
    const node = 'infra-0.openstacklocal';
    h.sim.setKnobs({ rebootEndsIn: 'ERROR' }, node);
    const before = Date.now();
    expect((await h.reboot(node, 'SOFT')).status).toBe(202);
    await sleep(250);
    expect((await h.server(node)).status).toBe('ERROR');
    let record = await history(node);
    expect(record.reboots).toHaveLength(1);
    expect(record.reboots[0].at).toBeGreaterThanOrEqual(before);
    expect(record.down).toEqual([{ start: record.reboots[0].at, end: null }]);
    expect(record.rebooting).toEqual([{ start: record.reboots[0].at, end: record.reboots[0].at + 200 }]);

    h.sim.setKnobs({ rebootEndsIn: 'ACTIVE' }, node);
    expect((await h.reboot(node, 'HARD')).status).toBe(202);
    await sleep(250);
    record = await history(node);
    expect(record.reboots).toHaveLength(2);
    expect(record.down).toEqual([{ start: record.reboots[0].at, end: record.reboots[1].at + 200 }]);
    expect(record.rebooting).toHaveLength(2);
    expect((await history('infra-1.openstacklocal')).down).toEqual([]);
  });

  it('refuses an action fault status that is no 5xx', async () => {
    const response = await fetch(`${h.sim.url}/_sim/knobs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nextActionFaults: [{ status: 499, acted: true, body: 'nova' }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(/^invalid knobs: nextActionFaults/);
  });
});
