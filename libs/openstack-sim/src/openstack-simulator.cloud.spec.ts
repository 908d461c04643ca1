import { demoProject } from './demo-project';
import { SimulatorHarness, passwordAuth, sleep, type Json } from './simulator.harness';

// Over HTTP: discovery, microversions, filters, Glance, the lock/createImage/os-stop/os-start actions, instance
// action events and the admin API's fault knobs and counters.

describe('OpenStackSimulator over HTTP: what the openstack CLI and the fault tests use', () => {
  const h = SimulatorHarness.install();
  const { nova, reboot } = h;
  const action = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    nova(`/servers/${h.sim.serverId(name)}/action`, { method: 'POST', body: JSON.stringify(body), headers });
  const admin = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${h.sim.url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const id = (name: string) => h.sim.serverId(name);

  it('serves Keystone version discovery and validates tokens', async () => {
    const root = await fetch(`${h.sim.url}/identity`);
    expect(root.status).toBe(300);
    const v3 = {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${h.sim.url}/identity/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
    expect(await root.json()).toEqual({ versions: { values: [v3] } });
    expect(await (await fetch(h.sim.identityUrl)).json()).toEqual({ version: v3 });

    const check = (subject: string, token = h.token) =>
      fetch(`${h.sim.identityUrl}/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': subject } });
    const valid = await check(h.token);
    expect(valid.status).toBe(200);
    expect(valid.headers.get('x-subject-token')).toBe(h.token);
    expect(((await valid.json()) as Json).token.project.id).toBe(demoProject().id);
    expect((await check('gAAAAAnope')).status).toBe(404);
    expect((await check(h.token, 'gAAAAAnope')).status).toBe(401);
    const eve = (await h.auth(passwordAuth('eve', 'eve-password'))).headers.get('x-subject-token')!;
    expect((await check(h.token, eve)).status).toBe(403);
  });

  it('serves Nova version documents and negotiates microversions as Nova does', async () => {
    const versions = (await (await fetch(`${h.sim.url}/compute/`)).json()) as Json;
    expect(versions.versions.map((v: Json) => [v.id, v.status, v.version, v.min_version])).toEqual([
      ['v2.0', 'SUPPORTED', '', ''],
      ['v2.1', 'CURRENT', '2.100', '2.1'],
    ]);
    const v21 = (await (await fetch(`${h.sim.computeUrl}/`)).json()) as Json;
    expect(v21.version.links[0]).toEqual({ href: `${h.sim.url}/compute/v2.1/`, rel: 'self' });

    const asked = async (headers: Record<string, string>) => {
      const res = await nova(`/servers/${id('worker-0.openstacklocal')}`, { headers });
      return [res.status, res.headers.get('openstack-api-version'), res.headers.get('x-openstack-nova-api-version')];
    };
    expect(await asked({})).toEqual([200, 'compute 2.1', '2.1']);
    expect(await asked({ 'openstack-api-version': 'compute 2.73' })).toEqual([200, 'compute 2.73', '2.73']);
    expect(await asked({ 'x-openstack-nova-api-version': '2.9' })).toEqual([200, 'compute 2.9', '2.9']);
    expect(await asked({ 'openstack-api-version': 'compute latest' })).toEqual([200, 'compute 2.100', '2.100']);
    const tooNew = await nova('/servers', { headers: { 'openstack-api-version': 'compute 2.101' } });
    expect(tooNew.status).toBe(406);
    expect(await tooNew.json()).toEqual({
      computeFault: {
        code: 406,
        message: 'Version 2.101 is not supported by the API. Minimum is 2.1 and maximum is 2.100.',
      },
    });
    expect((await nova('/servers', { headers: { 'openstack-api-version': 'compute 2.x' } })).status).toBe(400);

    const at = async (v: string) =>
      (
        (await (
          await nova(`/servers/${id('worker-0.openstacklocal')}`, {
            headers: { 'openstack-api-version': `compute ${v}` },
          })
        ).json()) as Json
      ).server;
    expect((await at('2.1')).locked).toBeUndefined();
    expect(await at('2.73')).toMatchObject({ locked: false, locked_reason: null, description: null, tags: [] });
    expect((await at('2.47')).flavor).toEqual({
      disk: 1,
      ephemeral: 0,
      extra_specs: {},
      original_name: 'm1.tiny',
      ram: 512,
      swap: 0,
      vcpus: 1,
    });
  });

  it('filters servers/detail by name (a regular expression) and status, after the marker', async () => {
    const names = async (query: string) =>
      (((await (await nova(`/servers/detail?${query}`)).json()) as Json).servers as Json[]).map((s) => s.name);
    expect(await names('name=^master-')).toEqual([
      'master-2.openstacklocal',
      'master-1.openstacklocal',
      'master-0.openstacklocal',
    ]);
    await reboot('worker-1.openstacklocal', 'SOFT');
    expect(await names('status=REBOOT')).toEqual(['worker-1.openstacklocal']);
    expect(await names('status=ACTIVE&name=worker')).toHaveLength(3); // Nova: ACTIVE is any task state
    expect(await names('status=SHUTOFF')).toEqual([]);
    expect(await names('status=BOGUS')).toEqual([]);
    expect(
      (await nova('/servers/detail?status=BOGUS', { headers: { 'openstack-api-version': 'compute 2.38' } })).status,
    ).toBe(400);
    expect(await names(`name=worker&limit=1&marker=${id('worker-2.openstacklocal')}`)).toEqual([
      'worker-1.openstacklocal',
    ]);
  });

  it('locks and unlocks through Nova, refuses reboots while locked, and keeps an admin lock from the owner', async () => {
    const node = 'master-1.openstacklocal';
    expect((await action(node, { lock: null })).status).toBe(202);
    const refused = await reboot(node, 'HARD');
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      conflictingRequest: { code: 409, message: `Instance ${id(node)} is locked` },
    });
    expect((await action(node, { unlock: null })).status).toBe(202);
    expect((await reboot(node, 'SOFT')).status).toBe(202);
    expect(h.sim.reboots(node)).toEqual({
      received: { SOFT: 1, HARD: 1 },
      accepted: { SOFT: 1, HARD: 0 },
      refused: { SOFT: 0, HARD: 1 },
    });

    const locked = await admin(`/servers/master-2.openstacklocal/lock`, 'PUT', { locked: true, reason: 'maintenance' });
    expect(((await locked.json()) as Json).servers[0]).toMatchObject({ locked: true, lockedBy: 'admin' });
    expect((await action('master-2.openstacklocal', { unlock: null })).status).toBe(403);
    expect((await reboot('master-2.openstacklocal', 'SOFT')).status).toBe(409);
    const reason = await nova(`/servers/${id('master-2.openstacklocal')}`, {
      headers: { 'openstack-api-version': 'compute 2.73' },
    });
    expect(((await reason.json()) as Json).server).toMatchObject({ locked: true, locked_reason: 'maintenance' });
  });

  it('creates an image: the server is busy in image_snapshot, Glance shows the image queued, saving, active', async () => {
    h.sim.setKnobs({ snapshotDurationMs: 2000 }); // image_snapshot from 100 ms to 1.4 s, queued until 1.5 s
    const node = 'infra-1.openstacklocal';
    const legacy = await action(node, { createImage: { name: 'snap' } });
    expect(legacy.status).toBe(202);
    const imageId = legacy.headers.get('location')!.split('/').pop()!;
    expect(['image_snapshot_pending', 'image_snapshot']).toContain((await h.server(node))['OS-EXT-STS:task_state']);
    await sleep(550);
    const busy = await reboot(node, 'SOFT');
    expect(await busy.json()).toEqual({
      conflictingRequest: {
        code: 409,
        message: `Cannot 'reboot' instance ${id(node)} while it is in task_state image_snapshot`,
      },
    });
    const image = async () =>
      (await (
        await fetch(`${h.sim.url}/image/v2/images/${imageId}`, { headers: { 'x-auth-token': h.token } })
      ).json()) as Json;
    expect(await image()).toMatchObject({ id: imageId, name: 'snap', status: 'queued', instance_uuid: id(node) });
    // The snapshot ends 2 s after it began: its image turns saving, then active (polled, for slow machines).
    let status = 'queued';
    for (let i = 0; i < 40 && status !== 'active'; i += 1) {
      await sleep(100);
      status = (await image()).status;
    }
    expect(status).toBe('active');
    expect((await h.server(node))['OS-EXT-STS:task_state']).toBeNull();
    const modern = await action(node, { createImage: { name: 'snap2' } }, { 'openstack-api-version': 'compute 2.45' });
    expect(((await modern.json()) as Json).image_id).toMatch(/^[0-9a-f-]{36}$/);
    const list = (await (
      await fetch(`${h.sim.url}/image/v2/images?name=snap`, { headers: { 'x-auth-token': h.token } })
    ).json()) as Json;
    expect(list.images.map((i: Json) => i.id)).toEqual([imageId]);
  });

  it('stops and starts; instance actions carry their events from 2.51', async () => {
    const node = 'worker-2.openstacklocal';
    h.sim.setKnobs({ powerActionDurationMs: 100 });
    expect((await action(node, { 'os-stop': null })).status).toBe(202);
    await sleep(150);
    expect((await h.server(node)).status).toBe('SHUTOFF');
    const start = await action(node, { 'os-start': null });
    expect(start.status).toBe(202);
    const requestId = start.headers.get('x-openstack-request-id')!;
    await sleep(150);
    const detail = async (v: string) =>
      (
        (await (
          await nova(`/servers/${id(node)}/os-instance-actions/${requestId}`, {
            headers: { 'openstack-api-version': `compute ${v}` },
          })
        ).json()) as Json
      ).instanceAction;
    expect((await detail('2.1')).events).toBeUndefined();
    expect(await detail('2.51')).toMatchObject({
      action: 'start',
      events: [{ event: 'compute_start_instance', result: 'Success' }],
    });
    expect((await nova(`/servers/${id(node)}/os-instance-actions/req-nope`)).status).toBe(404);
  });

  it('holds a task state from the admin API (migrating): SOFT and HARD meet 409', async () => {
    const node = 'worker-0.openstacklocal';
    const held = await admin(`/servers/${node}/task`, 'PUT', { taskState: 'migrating', forMs: 300 });
    expect(((await held.json()) as Json).servers[0]).toMatchObject({ status: 'MIGRATING', taskState: 'migrating' });
    expect((await reboot(node, 'HARD')).status).toBe(409);
    await sleep(320);
    expect((await reboot(node, 'HARD')).status).toBe(202);
    expect((await admin(`/servers/${node}/task`, 'PUT', { taskState: 'bogus' })).status).toBe(400);
    expect(((await (await admin(`/servers/${node}`)).json()) as Json).reboots.accepted).toEqual({ SOFT: 0, HARD: 1 });
  });

  it('applies an action after actionDelayMs even when the client gave up', async () => {
    const node = 'haproxy-0.openstacklocal';
    h.sim.setKnobs({ actionDelayMs: 1000, rebootDurationMs: 5000 }, node);
    const client = new AbortController();
    const body = JSON.stringify({ reboot: { type: 'HARD' } });
    const sent = h.nova(`/servers/${id(node)}/action`, { method: 'POST', body, signal: client.signal });
    await sleep(100);
    client.abort();
    await expect(sent).rejects.toThrow();
    expect((await h.server(node)).status).toBe('ACTIVE');
    await sleep(1100);
    expect((await h.server(node)).status).toBe('HARD_REBOOT');
    expect(h.sim.reboots(node)).toMatchObject({ received: { HARD: 1 }, accepted: { HARD: 1 } });
  });

  it('counts per project and records the most servers of a role in reboot at once', async () => {
    await reboot('master-0.openstacklocal', 'SOFT');
    await reboot('master-1.openstacklocal', 'SOFT');
    await reboot('worker-0.openstacklocal', 'HARD');
    await nova('/servers/detail');
    const stats = ((await (await admin('/stats')).json()) as Json).projects[demoProject().id];
    expect(stats).toMatchObject({
      listCalls: 1,
      rebootActions: { SOFT: 2, HARD: 1 },
      maxInReboot: { haproxy: 0, master: 2, infra: 0, worker: 1, other: 0 },
      inRebootNow: { master: 2, worker: 1 },
    });
    expect(h.sim.projectStats('other0000000000000000000000000000')).toMatchObject({
      listCalls: 0,
      rebootActions: { SOFT: 0, HARD: 0 },
    });
    const eve = await h.auth(passwordAuth('eve', 'eve-password'));
    await nova('/servers', {}, eve.headers.get('x-subject-token')!);
    expect(h.sim.projectStats('other0000000000000000000000000000')).toMatchObject({ listCalls: 1, tokensIssued: 1 });
  });
});
