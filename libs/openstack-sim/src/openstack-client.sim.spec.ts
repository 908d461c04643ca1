// The OpenStack client against the running simulator: the two must agree on the wire.
import {
  KeystoneSession,
  NovaClient,
  OpenStackError,
  type OpenStackClientOptions,
  type OpenStackCredentials,
} from '@oshift/openstack-client';
import { demoProject } from './demo-project';
import { OpenStackSimulator } from './openstack-simulator';
import type { SimProjectSpec } from './sim.types';

const DEMO = demoProject();
const NAMES = DEMO.servers.map((s) => s.name);
const other: SimProjectSpec = {
  id: 'other-project-id',
  name: 'other',
  users: [{ name: 'eve', password: 'pw' }],
  servers: [{ name: 'secret-0' }],
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NovaClient + KeystoneSession against OpenStackSimulator', () => {
  let sim: OpenStackSimulator;
  const fast: OpenStackClientOptions = { timeoutMs: 2000, retries: 3, backoffMs: 1 };
  const password = (): OpenStackCredentials => ({
    authUrl: sim.identityUrl,
    username: 'demo',
    password: 'demo-password',
    userDomainName: 'Default',
    projectName: DEMO.name,
    projectDomainName: 'Default',
  });
  const client = (creds: Partial<OpenStackCredentials> = {}, opts: OpenStackClientOptions = fast) => {
    const session = new KeystoneSession({ ...password(), ...creds }, opts);
    return { session, nova: new NovaClient(session, opts) };
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as OpenStackError,
    );
  const id = (name: string) => sim.serverId(name);

  beforeAll(async () => {
    sim = await OpenStackSimulator.start({ projects: [DEMO, other], knobs: { rebootDurationMs: 150 } });
  });
  afterEach(() => sim.reset());
  afterAll(() => sim.close());

  describe('authentication and catalog', () => {
    it('lists the demo servers with password auth (project by name) and by project id', async () => {
      const byName = await client().nova.listServers();
      expect(byName.map((s) => s.name).sort()).toEqual([...NAMES].sort());
      expect(
        byName.every(
          (s) => s.status === 'ACTIVE' && s.taskState === null && s.vmState === 'active' && s.powerState === 1,
        ),
      ).toBe(true);
      const byId = await client({ projectName: undefined, projectId: DEMO.id }).nova.listServers();
      expect(byId).toHaveLength(10);
    });

    it('authenticates with an application credential', async () => {
      const { session, nova } = client({
        username: undefined,
        password: undefined,
        applicationCredentialId: 'demo-app-cred',
        applicationCredentialSecret: 'demo-app-cred-secret',
      });
      expect(await session.token()).toMatch(/^gAAAAA/);
      expect((await nova.getServer(id('master-1.openstacklocal'))).name).toBe('master-1.openstacklocal');
    });

    it('normalises the auth URL (no /v3, trailing slash)', async () => {
      for (const authUrl of [`${sim.url}/identity`, `${sim.url}/identity/v3/`]) {
        expect(await client({ authUrl }).session.computeUrl()).toBe(sim.computeUrl);
      }
    });

    it('selects the compute endpoint by interface and region, and says clearly when there is none', async () => {
      expect(await client({ interface: 'internal', region: 'RegionOne' }).session.computeUrl()).toBe(sim.computeUrl);
      const wrongRegion = await failure(client({ region: 'RegionTwo' }).nova.listServers());
      expect(wrongRegion).toMatchObject({ name: 'OpenStackError', code: 'noComputeEndpoint', status: 0 });
      expect(wrongRegion?.message).toContain('RegionTwo');
      expect(await failure(client({ interface: 'admin' }).session.computeUrl())).toMatchObject({
        code: 'noComputeEndpoint',
      });
    });

    it('refuses wrong credentials with 401 unauthorized, never echoing the password', async () => {
      const error = await failure(client({ password: 'not-the-password' }).session.token());
      expect(error).toBeInstanceOf(OpenStackError);
      expect(error).toMatchObject({ status: 401, code: 'unauthorized', requestId: expect.stringMatching(/^req-/) });
      expect(error?.message).not.toContain('not-the-password');
    });

    it('shares one authentication between concurrent callers and reuses the token', async () => {
      const { session, nova } = client();
      const tokens = await Promise.all(Array.from({ length: 5 }, () => session.token()));
      expect(new Set(tokens).size).toBe(1);
      await Promise.all([nova.listServers(), nova.getServer(id('worker-0.openstacklocal'))]);
      expect(sim.stats().tokensIssued).toBe(1);
    });

    it('re-authenticates once and succeeds when Nova rejects a revoked token', async () => {
      const warn = jest.fn();
      const { nova } = client({}, { ...fast, logger: { warn } });
      await nova.listServers();
      sim.expireTokens();
      expect(await nova.listServers()).toHaveLength(10);
      expect(sim.stats().tokensIssued).toBe(2);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('authenticating again'),
        expect.objectContaining({ requestId: expect.stringMatching(/^req-/) }),
      );
    });

    it('renews a token that expires (short TTL) before using it again', async () => {
      sim.setKnobs({ tokenTtlSeconds: 0.3 });
      const { nova } = client();
      await nova.getServer(id('worker-0.openstacklocal'));
      await sleep(350);
      expect((await nova.getServer(id('worker-0.openstacklocal'))).status).toBe('ACTIVE');
      expect(sim.stats().tokensIssued).toBe(2);
    });
  });

  describe('reads', () => {
    it('follows next links across pages until the last one', async () => {
      sim.setKnobs({ pageSizeMax: 3 });
      const servers = await client().nova.listServers();
      expect(servers.map((s) => s.name).sort()).toEqual([...NAMES].sort());
      expect(new Set(servers.map((s) => s.id)).size).toBe(10);
      expect(sim.listCalls()).toBe(4);
      sim.reset();
      sim.setKnobs({ pageSizeMax: 5 });
      expect(await client().nova.listServers()).toHaveLength(10);
      // Two full pages, then the empty page a full page's next link leads to (as with real Nova).
      expect(sim.listCalls()).toBe(3);
    });

    it('retries a burst of 500s on GETs and succeeds, logging request ids', async () => {
      const warn = jest.fn();
      sim.setKnobs({ failNextRequests: 2 });
      const servers = await client({}, { ...fast, logger: { warn } }).nova.listServers();
      expect(servers).toHaveLength(10);
      expect(sim.listCalls()).toBe(3);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls.map(([, ctx]) => ctx.requestId)).toEqual([
        expect.stringMatching(/^req-/),
        expect.stringMatching(/^req-/),
      ]);
    });

    it('retries dropped connections on GETs', async () => {
      const { nova } = client();
      await nova.getServer(id('worker-1.openstacklocal'));
      sim.setKnobs({ dropRate: 1 }, 'worker-1.openstacklocal');
      const dropped = await failure(client({}, { ...fast, retries: 1 }).nova.getServer(id('worker-1.openstacklocal')));
      expect(dropped).toMatchObject({ code: 'network', status: 0 });
    });

    it('answers an unknown or foreign id with 404 itemNotFound and the request id', async () => {
      const { nova } = client();
      const unknown = await failure(nova.getServer('9e5476bd-a4ec-4653-93d6-72c93aa682ba'));
      expect(unknown).toMatchObject({
        status: 404,
        code: 'itemNotFound',
        message: 'Instance 9e5476bd-a4ec-4653-93d6-72c93aa682ba could not be found.',
        requestId: expect.stringMatching(/^req-[0-9a-f-]{36}$/),
      });
      expect(await failure(nova.getServer(id('secret-0')))).toMatchObject({ status: 404, code: 'itemNotFound' });
    });

    it('times out slow answers with OpenStackError timeout', async () => {
      sim.setKnobs({ latencyMs: 400 });
      const started = Date.now();
      const error = await failure(
        client({}, { timeoutMs: 100, retries: 1, backoffMs: 1 }).nova.getServer(id('worker-0.openstacklocal')),
      );
      expect(error).toMatchObject({ name: 'OpenStackError', code: 'timeout', status: 0 });
      expect(Date.now() - started).toBeLessThan(400);
    });
  });

  describe('reboot', () => {
    it('SOFT: the server shows REBOOT, then ACTIVE', async () => {
      const { nova } = client();
      const target = id('worker-0.openstacklocal');
      await nova.reboot(target, 'SOFT');
      const during = await nova.getServer(target);
      expect(during.status).toBe('REBOOT');
      expect(during.taskState).toMatch(/^reboot/);
      await sleep(170);
      expect(await nova.getServer(target)).toMatchObject({ status: 'ACTIVE', taskState: null, vmState: 'active' });
      expect((await nova.listInstanceActions(target)).map((a) => a.action)).toEqual(['reboot', 'create']);
    });

    it("SOFT during SOFT: 409 conflictingRequest with Nova's message; HARD is accepted → HARD_REBOOT", async () => {
      sim.setKnobs({ rebootDurationMs: 5000 });
      const { nova } = client();
      const target = id('master-2.openstacklocal');
      await nova.reboot(target, 'SOFT');
      const conflict = await failure(nova.reboot(target, 'SOFT'));
      expect(conflict).toMatchObject({
        status: 409,
        code: 'conflictingRequest',
        message: `Cannot 'reboot' instance ${target} while it is in task_state rebooting`,
        requestId: expect.stringMatching(/^req-/),
      });
      await nova.reboot(target, 'HARD');
      expect(await nova.getServer(target)).toMatchObject({ status: 'HARD_REBOOT', taskState: 'rebooting_hard' });
      expect(sim.rebootActions('master-2.openstacklocal')).toBe(3);
    });

    it('is never resent after a 500: the simulator counts exactly one action', async () => {
      sim.setKnobs({ errorRate: 1 }, 'infra-0.openstacklocal');
      const error = await failure(client().nova.reboot(id('infra-0.openstacklocal'), 'HARD'));
      expect(error).toMatchObject({ status: 500, code: 'computeFault', requestId: expect.stringMatching(/^req-/) });
      expect(sim.rebootActions('infra-0.openstacklocal')).toBe(1);
    });

    it('is never resent after a dropped connection or a timeout', async () => {
      sim.setKnobs({ dropRate: 1 }, 'infra-1.openstacklocal');
      expect(await failure(client().nova.reboot(id('infra-1.openstacklocal'), 'SOFT'))).toMatchObject({
        code: 'network',
        status: 0,
      });
      expect(sim.rebootActions('infra-1.openstacklocal')).toBe(1);
      sim.setKnobs({ latencyMs: 300 }, 'haproxy-1.openstacklocal');
      const slow = client({}, { timeoutMs: 80, retries: 3, backoffMs: 1 });
      await slow.session.token();
      expect(await failure(slow.nova.reboot(id('haproxy-1.openstacklocal'), 'SOFT'))).toMatchObject({
        code: 'timeout',
      });
      expect(sim.rebootActions('haproxy-1.openstacklocal')).toBe(1);
    });

    it('resends a reboot once after a 401 (the token was rejected before Nova acted)', async () => {
      const { nova } = client();
      await nova.listServers();
      sim.expireTokens();
      await nova.reboot(id('worker-2.openstacklocal'), 'HARD');
      expect(sim.rebootActions('worker-2.openstacklocal')).toBe(2);
      expect((await nova.getServer(id('worker-2.openstacklocal'))).status).toBe('HARD_REBOOT');
    });
  });
});
