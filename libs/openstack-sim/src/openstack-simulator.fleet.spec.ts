import { fleetProjects } from './demo-project';
import { OpenStackSimulator } from './openstack-simulator';
import { passwordAuth, type Json } from './simulator.harness';

// Many projects with thousands of servers: each project sees only its own, and the counters stay per project.

describe('OpenStackSimulator with a fleet of projects', () => {
  const fleet = fleetProjects(100, 13); // 100 clusters of 20 nodes: 2,000 servers
  let sim: OpenStackSimulator;

  beforeAll(async () => {
    sim = await OpenStackSimulator.start({ projects: fleet, knobs: { rebootDurationMs: 60_000 } });
  });
  afterAll(() => sim.close());

  const tokenFor = async (index: number) => {
    const project = fleet[index];
    const res = await fetch(`${sim.identityUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordAuth(project.users[0].name, project.users[0].password)),
    });
    return res.headers.get('x-subject-token')!;
  };
  const nova = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${sim.computeUrl}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
    });

  it('lists each project its own 20 servers and counts list calls and reboots per project and server', async () => {
    const [a, b] = [await tokenFor(7), await tokenFor(42)];
    const list = (await (await nova(a, '/servers/detail')).json()) as Json;
    expect(list.servers).toHaveLength(20);
    expect(new Set(list.servers.map((s: Json) => s.tenant_id))).toEqual(new Set([fleet[7].id]));
    await nova(b, '/servers/detail?limit=5');

    const master0 = sim.serverId('master-0.openstacklocal', fleet[42].id);
    expect(master0).not.toBe(sim.serverId('master-0.openstacklocal', fleet[7].id));
    const hard = { method: 'POST', body: JSON.stringify({ reboot: { type: 'HARD' } }) };
    expect((await nova(a, `/servers/${master0}/action`, hard)).status).toBe(404); // another project's server
    expect((await nova(b, `/servers/${master0}/action`, hard)).status).toBe(202);
    for (const node of ['master-1', 'master-2']) {
      const id = sim.serverId(`${node}.openstacklocal`, fleet[42].id);
      await nova(b, `/servers/${id}/action`, hard);
    }

    expect((await nova(b, `/servers/${master0}`)).status).toBe(200);
    expect((await nova(b, `/servers/${master0}`)).status).toBe(200);
    expect((await nova(a, `/servers/${master0}`)).status).toBe(404); // counted for the asking project all the same

    expect(sim.projectStats(fleet[7].id)).toMatchObject({
      listCalls: 1,
      showCalls: 1,
      rebootActions: { SOFT: 0, HARD: 0 },
    });
    expect(sim.projectStats(fleet[42].id)).toMatchObject({
      listCalls: 1,
      showCalls: 2,
      rebootActions: { SOFT: 0, HARD: 3 },
      maxInReboot: { master: 3, haproxy: 0, worker: 0 },
      inRebootNow: { master: 3 },
    });
    expect(sim.reboots(master0)).toEqual({
      received: { SOFT: 0, HARD: 1 },
      accepted: { SOFT: 0, HARD: 1 },
      refused: { SOFT: 0, HARD: 0 },
    });
    expect(sim.server('master-0.openstacklocal', fleet[42].id)).toMatchObject({
      status: 'HARD_REBOOT',
      role: 'master',
      rebootPeriods: 1,
    });
    expect(sim.showCalls()).toBe(3);
    expect(Object.keys(sim.stats().projects)).toHaveLength(100);
  });
});

describe('OpenStackSimulator reboot periods', () => {
  it('tells when each server began and ended its last reboot, by its clock', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const [project] = fleetProjects(1, 1);
    const sim = await OpenStackSimulator.start({
      projects: [project],
      knobs: { rebootDurationMs: 60_000 },
      clock: () => now,
    });
    try {
      const token = (
        await fetch(`${sim.identityUrl}/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(passwordAuth(project.users[0].name, project.users[0].password)),
        })
      ).headers.get('x-subject-token')!;
      const reboot = (at: number) => {
        now = at;
        return fetch(`${sim.computeUrl}/servers/${sim.serverId('worker-0.openstacklocal')}/action`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-auth-token': token },
          body: JSON.stringify({ reboot: { type: 'SOFT' } }),
        });
      };
      const t0 = now;
      expect(sim.server('worker-0.openstacklocal').lastRebootPeriod).toBeNull();
      expect((await reboot(t0)).status).toBe(202);
      now = t0 + 59_999;
      expect(sim.server('worker-0.openstacklocal')).toMatchObject({
        status: 'REBOOT',
        lastRebootPeriod: { start: t0, end: null },
      });
      now = t0 + 90_000; // read late: the end is when the reboot ended, not when it was looked at
      expect(sim.server('worker-0.openstacklocal')).toMatchObject({
        status: 'ACTIVE',
        rebootPeriods: 1,
        lastRebootPeriod: { start: t0, end: t0 + 60_000 },
      });
      expect((await reboot(t0 + 100_000)).status).toBe(202);
      now = t0 + 200_000;
      expect(sim.server('worker-0.openstacklocal')).toMatchObject({
        rebootPeriods: 2,
        lastRebootPeriod: { start: t0 + 100_000, end: t0 + 160_000 },
      });
    } finally {
      await sim.close();
    }
  });
});

describe('OpenStackSimulator servers that start locked or busy', () => {
  it('keeps an admin lock and a held task state from the spec, across resets', async () => {
    const sim = await OpenStackSimulator.start({
      projects: [
        {
          id: 'busy0000000000000000000000000000',
          name: 'busy',
          users: [{ name: 'busy', password: 'busy-password' }],
          servers: [
            { name: 'master-0', locked: true },
            { name: 'worker-0', taskState: 'migrating' },
            { name: 'infra-0' },
          ],
        },
      ],
    });
    try {
      sim.reset();
      expect(sim.server('master-0')).toMatchObject({ status: 'ACTIVE', locked: true, lockedBy: 'admin' });
      expect(sim.server('worker-0')).toMatchObject({ status: 'MIGRATING', taskState: 'migrating' });
      expect(sim.server('infra-0')).toMatchObject({ status: 'ACTIVE', taskState: null, locked: false });
      await expect(
        OpenStackSimulator.start({
          projects: [{ id: 'x', name: 'x', users: [], servers: [{ name: 'a', taskState: 'napping' as never }] }],
        }),
      ).rejects.toThrow('unknown task state napping of server a');
    } finally {
      await sim.close();
    }
  });
});
