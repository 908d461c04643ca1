import { request } from 'node:http';
import { OpenStackSimulator } from './openstack-simulator';
import { demoProject } from './demo-project';
import {
  SimulatorHarness,
  sample,
  PLACEHOLDER_UUID,
  UNAUTHORIZED,
  otherProject,
  passwordAuth,
  sleep,
  type Json,
} from './simulator.harness';

describe('OpenStackSimulator over HTTP: Keystone and server reads', () => {
  const h = SimulatorHarness.install();
  const { auth, nova } = h;

  describe('Keystone', () => {
    it('issues a project-scoped token: 201, X-Subject-Token, body shaped like the Keystone sample', async () => {
      const res = await auth(passwordAuth('demo', 'demo-password', { project: { id: demoProject().id } }));
      expect(res.status).toBe(201);
      expect(res.headers.get('x-subject-token')).toMatch(/^gAAAAA/);
      expect(res.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
      const { token: body } = (await res.json()) as Json;
      const shape = sample('keystone/responses-project-scoped-password.json').token;
      expect(Object.keys(body).sort()).toEqual(Object.keys(shape).sort());
      expect(body.project).toEqual({
        domain: { id: 'default', name: 'Default' },
        id: demoProject().id,
        name: 'mycompany.cor00005.cna.ukcloud.com',
      });
      expect(body.methods).toEqual(['password']);
      expect(Date.parse(body.expires_at) - Date.parse(body.issued_at)).toBe(3600 * 1000);
      expect(body.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const compute = body.catalog.find((entry: { type: string }) => entry.type === 'compute');
      expect(
        compute.endpoints.map((e: { interface: string; url: string; region_id: string }) => [
          e.interface,
          e.url,
          e.region_id,
        ]),
      ).toEqual([
        ['public', h.sim.computeUrl, 'RegionOne'],
        ['internal', h.sim.computeUrl, 'RegionOne'],
      ]);
      expect(body.catalog.map((entry: { type: string }) => entry.type)).toEqual(['identity', 'compute', 'image']);
    });

    it('scopes to the default project without a scope, and accepts application credentials (not with a scope)', async () => {
      const unscopedRequest = await auth(passwordAuth('demo', 'demo-password'));
      expect(((await unscopedRequest.json()) as Json).token.project.id).toBe(demoProject().id);
      const appCred = {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { id: 'demo-app-cred', secret: 'demo-app-cred-secret' },
          },
        },
      };
      const res = await auth(appCred);
      expect(res.status).toBe(201);
      const body = ((await res.json()) as Json).token;
      expect(body.methods).toEqual(['application_credential']);
      expect(body.application_credential.id).toBe('demo-app-cred');
      const scoped = await auth({ auth: { ...appCred.auth, scope: { project: { id: demoProject().id } } } });
      expect(scoped.status).toBe(401);
    });

    it("answers 401 with Keystone's exact body for a wrong password, an unknown user or a project not granted", async () => {
      for (const body of [
        passwordAuth('demo', 'wrong'),
        passwordAuth('nobody', 'demo-password'),
        passwordAuth('demo', 'demo-password', { project: { id: otherProject.id } }),
      ]) {
        const res = await auth(body);
        expect(res.status).toBe(401);
        expect((await res.json()) as Json).toEqual(UNAUTHORIZED);
      }
      expect((await auth({ auth: {} })).status).toBe(400);
      expect(h.sim.stats().tokensIssued).toBe(0);
    });

    it('advertises the host the caller used (Host header) in the catalog, or the configured publicUrl', async () => {
      const viaHost = await new Promise<Json>((resolve, reject) => {
        const req = request(
          `${h.sim.identityUrl}/auth/tokens`,
          { method: 'POST', headers: { host: 'openstack-sim:5005', 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(JSON.parse(text)));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(passwordAuth('demo', 'demo-password')));
      });
      const urls = viaHost.token.catalog.flatMap((entry: Json) => entry.endpoints.map((e: Json) => e.url));
      expect(new Set(urls)).toEqual(
        new Set([
          'http://openstack-sim:5005/identity',
          'http://openstack-sim:5005/compute/v2.1',
          'http://openstack-sim:5005/image',
        ]),
      );

      const configured = await OpenStackSimulator.start({
        projects: [demoProject()],
        publicUrl: 'https://sim.example.test/',
      });
      try {
        const res = await fetch(`${configured.identityUrl}/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(passwordAuth('demo', 'demo-password')),
        });
        const compute = ((await res.json()) as Json).token.catalog.find((entry: Json) => entry.type === 'compute');
        expect(compute.endpoints[0].url).toBe('https://sim.example.test/compute/v2.1');
      } finally {
        await configured.close();
      }
    });

    it('lets tokens expire after tokenTtlSeconds: Nova then answers 401', async () => {
      h.sim.setKnobs({ tokenTtlSeconds: 0.2 });
      const res = await auth(passwordAuth('demo', 'demo-password'));
      const short = res.headers.get('x-subject-token')!;
      expect((await nova('/servers', {}, short)).status).toBe(200);
      await sleep(250);
      const expired = await nova('/servers', {}, short);
      expect(expired.status).toBe(401);
      expect((await expired.json()) as Json).toEqual(UNAUTHORIZED);
      expect(expired.headers.get('www-authenticate')).toBe(`Keystone uri="${h.sim.url}/identity"`);
    });
  });

  describe('Nova servers', () => {
    it('requires a valid token', async () => {
      const res = await nova('/servers/detail', {}, 'bogus');
      expect(res.status).toBe(401);
      expect((await res.json()) as Json).toEqual(UNAUTHORIZED);
    });

    it("lists the project's servers newest first with the v2.1 detail fields, and never other projects' servers", async () => {
      const res = await nova('/servers/detail');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-compute-request-id')).toBe(res.headers.get('x-openstack-request-id'));
      const body = (await res.json()) as Json;
      expect(body.servers_links).toBeUndefined();
      expect(body.servers.map((s: { name: string }) => s.name)).toEqual(
        demoProject()
          .servers.map((s) => s.name)
          .reverse(),
      );
      const sampleKeys = Object.keys(sample('nova/servers-details-resp.v2.1.json').servers[0]).sort();
      expect(Object.keys(body.servers[0]).sort()).toEqual(sampleKeys);
      expect(body.servers[0]).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:task_state': null,
        'OS-EXT-STS:vm_state': 'active',
        'OS-EXT-STS:power_state': 1,
        tenant_id: demoProject().id,
        links: [
          { rel: 'self', href: `${h.sim.computeUrl}/servers/${body.servers[0].id}` },
          { rel: 'bookmark', href: expect.any(String) },
        ],
      });
      const summary = (await (await nova('/servers')).json()) as Json;
      expect(summary.servers[0]).toEqual({
        id: body.servers[0].id,
        links: body.servers[0].links,
        name: body.servers[0].name,
      });
      const hidden = await nova(`/servers/${h.sim.serverId('secret-0')}`);
      expect(hidden.status).toBe(404);
    });

    it('pages with limit (capped at pageSizeMax) and marker, with a next link on every full page', async () => {
      h.sim.setKnobs({ pageSizeMax: 4 });
      const first = (await (await nova('/servers/detail?limit=50')).json()) as Json;
      expect(first.servers).toHaveLength(4);
      const lastId = first.servers[3].id;
      expect(first.servers_links).toEqual([
        { href: `${h.sim.computeUrl}/servers/detail?limit=50&marker=${lastId}`, rel: 'next' },
      ]);
      const second = (await (await nova(`/servers/detail?limit=3&marker=${lastId}`)).json()) as Json;
      expect(second.servers.map((s: { id: string }) => s.id)).not.toContain(lastId);
      expect(second.servers).toHaveLength(3);
      expect(second.servers_links[0].href).toContain(`marker=${second.servers[2].id}`);
      const last = (await (await nova(`/servers/detail?limit=3&marker=${second.servers[2].id}`)).json()) as Json;
      expect(last.servers).toHaveLength(3);
      const empty = (await (await nova(`/servers/detail?limit=3&marker=${last.servers[2].id}`)).json()) as Json;
      expect(empty).toEqual({ servers: [] });
      expect(h.sim.listCalls()).toBe(4);
      const bad = await nova('/servers/detail?marker=nope');
      expect(bad.status).toBe(400);
      expect((await bad.json()) as Json).toEqual({ badRequest: { code: 400, message: 'marker [nope] not found' } });
      expect((await nova('/servers/detail?limit=-1')).status).toBe(400);
    });

    it('answers 404 itemNotFound exactly like the derived sample', async () => {
      const res = await nova(`/servers/${PLACEHOLDER_UUID}`);
      expect(res.status).toBe(404);
      expect((await res.json()) as Json).toEqual(sample('nova/DERIVED-error-404-server-not-found.json'));
      expect(res.headers.get('x-openstack-request-id')).toMatch(/^req-/);
      const action = await nova(`/servers/${PLACEHOLDER_UUID}/action`, {
        method: 'POST',
        body: '{"reboot":{"type":"SOFT"}}',
      });
      expect((await action.json()) as Json).toEqual(sample('nova/DERIVED-error-404-server-not-found.json'));
    });

    it('answers unknown routes with JSON 404s', async () => {
      const res = await nova('/os-hypervisors');
      expect(res.status).toBe(404);
      expect((await res.json()) as Json).toEqual({
        itemNotFound: { code: 404, message: 'The resource could not be found.' },
      });
      const other = await fetch(`${h.sim.url}/nowhere`);
      expect((await other.json()) as Json).toEqual({ error: 'Not Found' });
      expect(other.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    });
  });
});
