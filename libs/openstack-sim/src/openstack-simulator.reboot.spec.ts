import { SimulatorHarness, sample, PLACEHOLDER_UUID, passwordAuth, sleep, type Json } from './simulator.harness';
import { demoProject } from './demo-project';

describe('OpenStackSimulator over HTTP: reboots, faults, admin API', () => {
  const h = SimulatorHarness.install();
  const { auth, nova, reboot, server } = h;

  describe('reboot action', () => {
    it('answers 202 with an empty body and moves SOFT through REBOOT back to ACTIVE', async () => {
      const res = await reboot('worker-0.openstacklocal', 'SOFT');
      expect(res.status).toBe(202);
      expect(await res.text()).toBe('');
      const during = await server('worker-0.openstacklocal');
      expect([during.status, during['OS-EXT-STS:vm_state']]).toEqual(['REBOOT', 'active']);
      expect(during['OS-EXT-STS:task_state']).toMatch(/^reboot(ing|_pending|_started)$/);
      await sleep(220);
      const after = await server('worker-0.openstacklocal');
      expect([after.status, after['OS-EXT-STS:task_state']]).toEqual(['ACTIVE', null]);
      expect(h.sim.rebootActions('worker-0.openstacklocal')).toBe(1);
      const actions = (
        (await (await nova(`/servers/${h.sim.serverId('worker-0.openstacklocal')}/os-instance-actions`)).json()) as Json
      ).instanceActions;
      expect(actions.map((a: { action: string }) => a.action)).toEqual(['reboot', 'create']);
      expect(actions[0].request_id).toBe(res.headers.get('x-openstack-request-id'));
    });

    it('refuses SOFT during SOFT with 409 exactly like the derived sample, and accepts HARD', async () => {
      h.sim.setKnobs({ rebootDurationMs: 5000 });
      await reboot('master-0.openstacklocal', 'SOFT');
      const conflict = await reboot('master-0.openstacklocal', 'soft');
      expect(conflict.status).toBe(409);
      const expected = JSON.stringify(sample('nova/DERIVED-error-409-reboot-conflict.json')).replace(
        PLACEHOLDER_UUID,
        h.sim.serverId('master-0.openstacklocal'),
      );
      expect((await conflict.json()) as Json).toEqual(JSON.parse(expected));
      expect((await reboot('master-0.openstacklocal', 'HARD')).status).toBe(202);
      const hard = await server('master-0.openstacklocal');
      expect([hard.status, hard['OS-EXT-STS:task_state']]).toEqual(['HARD_REBOOT', 'rebooting_hard']);
      expect(h.sim.rebootActions('master-0.openstacklocal')).toBe(3);
    });

    it('refuses SOFT on a SHUTOFF server by vm_state, and validates the body', async () => {
      const eve = (
        await auth({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'eve', domain: { id: 'default' }, password: 'eve-password' } },
            },
          },
        })
      ).headers.get('x-subject-token')!;
      const res = await nova(
        `/servers/${h.sim.serverId('stopped-0')}/action`,
        { method: 'POST', body: '{"reboot":{"type":"SOFT"}}' },
        eve,
      );
      expect(res.status).toBe(409);
      expect((await res.json()) as Json).toEqual({
        conflictingRequest: {
          code: 409,
          message: `Cannot 'reboot' instance ${h.sim.serverId('stopped-0')} while it is in vm_state stopped`,
        },
      });
      const bad = await reboot('worker-1.openstacklocal', 'GENTLE');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Json).badRequest.message).toContain('GENTLE');
      const unknown = await nova(`/servers/${h.sim.serverId('worker-1.openstacklocal')}/action`, {
        method: 'POST',
        body: '{"os-frobnicate":null}',
      });
      expect((await unknown.json()) as Json).toEqual({
        badRequest: { code: 400, message: 'There is no such action: os-frobnicate' },
      });
      expect(
        (await nova(`/servers/${h.sim.serverId('worker-1.openstacklocal')}/action`, { method: 'POST', body: '{' }))
          .status,
      ).toBe(400);
    });

    it('ends per server in ERROR (with fault) or SHUTOFF, and hangs when told', async () => {
      h.sim.setKnobs({ rebootEndsIn: 'ERROR' }, 'infra-0.openstacklocal');
      h.sim.setKnobs({ rebootEndsIn: 'SHUTOFF' }, 'infra-1.openstacklocal');
      h.sim.setKnobs({ rebootHangs: true }, 'worker-2.openstacklocal');
      for (const name of ['infra-0', 'infra-1', 'worker-2', 'worker-1']) await reboot(`${name}.openstacklocal`, 'HARD');
      await sleep(250);
      const failed = await server('infra-0.openstacklocal');
      expect([
        failed.status,
        failed['OS-EXT-STS:vm_state'],
        failed['OS-EXT-STS:task_state'],
        failed.fault.code,
      ]).toEqual(['ERROR', 'error', null, 500]);
      const off = await server('infra-1.openstacklocal');
      expect([off.status, off['OS-EXT-STS:vm_state'], off['OS-EXT-STS:power_state']]).toEqual([
        'SHUTOFF',
        'stopped',
        4,
      ]);
      const hung = await server('worker-2.openstacklocal');
      expect([hung.status, hung['OS-EXT-STS:task_state']]).toEqual(['HARD_REBOOT', 'reboot_started_hard']);
      expect((await server('worker-1.openstacklocal')).status).toBe('ACTIVE');
    });

    it('escalates a slow SOFT reboot to HARD', async () => {
      h.sim.setKnobs({ rebootHangs: true, softEscalatesToHardAfterMs: 100 }, 'haproxy-0.openstacklocal');
      await reboot('haproxy-0.openstacklocal', 'SOFT');
      expect((await server('haproxy-0.openstacklocal')).status).toBe('REBOOT');
      await sleep(130);
      const escalated = await server('haproxy-0.openstacklocal');
      expect(escalated.status).toBe('HARD_REBOOT');
      expect(escalated['OS-EXT-STS:task_state']).toMatch(/_hard$/);
    });
  });

  describe('fault knobs', () => {
    it('answers 500 computeFault for the errorRate share and for failNextRequests bursts', async () => {
      h.sim.setKnobs({ failNextRequests: 2 });
      const first = await nova('/servers');
      expect(first.status).toBe(500);
      expect(Object.keys((await first.json()) as Json)).toEqual(['computeFault']);
      expect((await nova('/servers')).status).toBe(500);
      expect((await nova('/servers')).status).toBe(200);
      h.sim.setKnobs({ errorRate: 1 }, 'worker-0.openstacklocal');
      expect((await reboot('worker-0.openstacklocal', 'SOFT')).status).toBe(500);
      expect((await server('worker-1.openstacklocal')).status).toBe('ACTIVE');
      expect(h.sim.rebootActions('worker-0.openstacklocal')).toBe(1);
      expect(h.sim.listCalls()).toBe(3);
    });

    it('answers nextActionFaults in order: a proxy 502 after Nova took it, a Nova 503 before, a proxy page before', async () => {
      const node = 'worker-0.openstacklocal';
      h.sim.setKnobs(
        {
          rebootDurationMs: 100,
          nextActionFaults: [
            { status: 502, acted: true, body: 'empty' },
            { status: 503, acted: false, body: 'nova' },
            { status: 504, acted: false, body: 'html' },
          ],
        },
        node,
      );
      const proxied = await reboot(node, 'SOFT');
      expect([proxied.status, await proxied.text()]).toEqual([502, '']);
      expect(proxied.headers.get('x-openstack-request-id')).toBeNull();
      expect((await server(node)).status).toBe('REBOOT');
      await sleep(150);
      const refused = await reboot(node, 'SOFT');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('x-openstack-request-id')).toMatch(/^req-/);
      expect(Object.keys((await refused.json()) as Json)).toEqual(['serviceUnavailable']);
      const page = await reboot(node, 'SOFT');
      expect([page.status, page.headers.get('content-type')]).toEqual([504, 'text/html']);
      expect(await page.text()).toContain('504 Gateway Timeout');
      expect((await reboot(node, 'SOFT')).status).toBe(202);
      // Four POSTs received; Nova acted on the first (behind the proxy's 502) and the last.
      expect(h.sim.reboots(node).received).toEqual({ SOFT: 4, HARD: 0 });
      expect(h.sim.reboots(node).accepted).toEqual({ SOFT: 2, HARD: 0 });
      expect(h.sim.knobs(node).nextActionFaults).toEqual([]);
      const bad = await fetch(`${h.sim.url}/_sim/knobs`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nextActionFaults: [{ status: 404, acted: false, body: 'nova' }] }),
      });
      expect(bad.status).toBe(400);
    });

    it('drops connections without an answer and delays answers by latencyMs', async () => {
      h.sim.setKnobs({ dropRate: 1 }, 'worker-0.openstacklocal');
      await expect(nova(`/servers/${h.sim.serverId('worker-0.openstacklocal')}`)).rejects.toThrow();
      h.sim.setKnobs({ latencyMs: 150 });
      const started = Date.now();
      expect((await nova('/servers')).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });
  });

  describe('admin API', () => {
    it('reads and changes knobs globally and per server, validates them, counts, resets', async () => {
      const put = await fetch(`${h.sim.url}/_sim/knobs?server=worker-0.openstacklocal`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"rebootDurationMs":50}',
      });
      expect(put.status).toBe(200);
      expect(((await put.json()) as Json).rebootDurationMs).toBe(50);
      expect(((await (await fetch(`${h.sim.url}/_sim/knobs`)).json()) as Json).rebootDurationMs).toBe(200);
      expect(h.sim.knobs('worker-0.openstacklocal').rebootDurationMs).toBe(50);
      const invalid = await fetch(`${h.sim.url}/_sim/knobs`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"errorRate":2,"bogus":1}',
      });
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as Json).error).toMatch(/^invalid knobs: /);
      const globalOnly = await fetch(`${h.sim.url}/_sim/knobs?server=worker-0.openstacklocal`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"pageSizeMax":2}',
      });
      expect(globalOnly.status).toBe(400);
      expect((await fetch(`${h.sim.url}/_sim/knobs?server=nope`)).status).toBe(404);

      await reboot('worker-0.openstacklocal', 'SOFT');
      await nova('/servers/detail');
      expect((await (await fetch(`${h.sim.url}/_sim/stats`)).json()) as Json).toMatchObject({
        rebootActions: { 'worker-0.openstacklocal': 1 },
        listCalls: 1,
        tokensIssued: 0,
        projects: { [demoProject().id]: { listCalls: 1, rebootActions: { SOFT: 1, HARD: 0 } } },
      });
      expect((await fetch(`${h.sim.url}/_sim/reset`, { method: 'POST' })).status).toBe(204);
      expect(h.sim.stats()).toMatchObject({ rebootActions: {}, listCalls: 0, tokensIssued: 0 });
      expect(h.sim.knobs('worker-0.openstacklocal').rebootDurationMs).toBe(200);
      expect((await server('worker-0.openstacklocal')).status).toBe('ACTIVE');

      expect((await fetch(`${h.sim.url}/_sim/tokens/expire`, { method: 'POST' })).status).toBe(204);
      expect((await nova('/servers')).status).toBe(401);
      h.token = (await auth(passwordAuth('demo', 'demo-password'))).headers.get('x-subject-token')!;
    });
  });
});
