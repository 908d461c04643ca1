import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenStackSimulator, demoProject } from '@oshift/openstack-sim';

// Conformance: the simulator driven by the OpenStack community's own `openstack` CLI (Debian's
// python3-openstackclient, which `.ci/run` installs), pointed at it as an operator would point it at a cloud.
// Every assertion is on what the CLI prints or returns.

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const project = demoProject();
const NODES = project.servers.map((s) => s.name).sort();

describe('the openstack CLI against the simulator', () => {
  let sim: OpenStackSimulator;
  let home: string;

  const openstack = (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        LANG: 'C.UTF-8',
        OS_AUTH_URL: sim.identityUrl,
        OS_IDENTITY_API_VERSION: '3',
        OS_USERNAME: project.users[0].name,
        OS_PASSWORD: project.users[0].password,
        OS_USER_DOMAIN_NAME: 'Default',
        OS_PROJECT_NAME: project.name,
        OS_PROJECT_DOMAIN_NAME: 'Default',
        OS_REGION_NAME: 'RegionOne',
      };
      execFile('openstack', args, { env, timeout: 90_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  /** Runs a command that must succeed and returns its JSON output. */
  const json = async (...args: string[]) => {
    const result = await openstack(...args, '-f', 'json');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(result.stdout);
  };
  const show = (server: string, ...extra: string[]) => json('server', 'show', server, ...extra);
  const until = async (server: string, status: string) => {
    for (let i = 0; i < 30; i += 1) {
      if ((await show(server)).status === status) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`${server} never reached ${status}`);
  };

  beforeAll(async () => {
    const found = await new Promise<boolean>((resolve) => execFile('openstack', ['--version'], (e) => resolve(!e)));
    if (!found) throw new Error('the openstack CLI is missing: apt-get install python3-openstackclient (.ci/run does)');
    home = mkdtempSync(join(tmpdir(), 'openstack-cli-'));
    sim = await OpenStackSimulator.start({
      projects: [project],
      knobs: { rebootDurationMs: 2000, powerActionDurationMs: 1000, snapshotDurationMs: 300_000 },
    });
  });
  afterEach(() => sim.reset());
  afterAll(async () => {
    await sim?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('issues a token with the generic password plugin (version discovery at the identity endpoint)', async () => {
    const token = await json('token', 'issue');
    expect(token.project_id).toBe(project.id);
    expect(token.id).toMatch(/^gAAAAA/);
    expect(Date.parse(token.expires.replace(/\+0000$/, 'Z'))).toBeGreaterThan(Date.now());
  });

  it('lists every server of the demo cluster and shows one', async () => {
    const servers: { Name: string; Status: string; Image: string; Flavor: string }[] = await json('server', 'list');
    expect(servers.map((s) => s.Name).sort()).toEqual(NODES);
    expect(new Set(servers.map((s) => `${s.Status} ${s.Image} ${s.Flavor}`))).toEqual(
      new Set(['ACTIVE rhcos m1.tiny']),
    );
    const filtered = await json('server', 'list', '--name', '^master-', '--status', 'ACTIVE');
    expect(filtered.map((s: { Name: string }) => s.Name).sort()).toEqual(NODES.filter((n) => n.startsWith('master-')));

    const server = await show('worker-0.openstacklocal');
    expect(server).toMatchObject({
      id: sim.serverId('worker-0.openstacklocal'),
      name: 'worker-0.openstacklocal',
      status: 'ACTIVE',
      'OS-EXT-STS:task_state': null,
      flavor: 'm1.tiny (1)',
      project_id: project.id,
    });
    expect(server.image).toMatch(/^rhcos \(/);
    const flavors = await json('flavor', 'list');
    expect(flavors.map((f: { Name: string; RAM: number }) => [f.Name, f.RAM])).toEqual([['m1.tiny', 512]]);
  });

  it('reboots SOFT and HARD with --wait, and lists the reboots as server events', async () => {
    const node = 'worker-1.openstacklocal';
    const soft = await openstack('server', 'reboot', '--soft', '--wait', node);
    expect(soft).toMatchObject({ code: 0, stdout: expect.stringContaining('Complete') });
    const hard = await openstack('server', 'reboot', '--hard', '--wait', node);
    expect(hard).toMatchObject({ code: 0, stdout: expect.stringContaining('Complete') });
    expect((await show(node)).status).toBe('ACTIVE');

    const events: { Action: string; 'Server ID': string }[] = await json('server', 'event', 'list', node);
    expect(events.map((e) => e.Action)).toEqual(['reboot', 'reboot', 'create']);
    expect(new Set(events.map((e) => e['Server ID']))).toEqual(new Set([sim.serverId(node)]));
  });

  it('refuses a reboot of a locked server with 409 until it is unlocked', async () => {
    const node = 'master-0.openstacklocal';
    expect((await openstack('server', 'lock', node)).code).toBe(0);
    expect((await show(node, '--os-compute-api-version', '2.9')).locked).toBe(true);
    const refused = await openstack('server', 'reboot', '--soft', node);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Instance ${sim.serverId(node)} is locked (HTTP 409)`);
    expect((await openstack('server', 'unlock', node)).code).toBe(0);
    expect((await show(node, '--os-compute-api-version', '2.9')).locked).toBe(false);
    expect((await openstack('server', 'reboot', '--soft', node)).code).toBe(0);
    const events = await json('server', 'event', 'list', node);
    expect(events.map((e: { Action: string }) => e.Action)).toEqual(['reboot', 'unlock', 'lock', 'create']);
  });

  it('holds a server in image_snapshot while its image is created, and refuses reboots meanwhile', async () => {
    const node = 'infra-0.openstacklocal';
    const image = await json('server', 'image', 'create', '--name', 'infra-0-snapshot', node);
    expect(image).toMatchObject({ name: 'infra-0-snapshot', status: 'queued', visibility: 'private' });
    expect((await show(node))['OS-EXT-STS:task_state']).toBe('image_snapshot');
    for (const type of ['--soft', '--hard']) {
      const refused = await openstack('server', 'reboot', type, node);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `Cannot 'reboot' instance ${sim.serverId(node)} while it is in task_state image_snapshot (HTTP 409)`,
      );
    }
    expect((await json('image', 'show', image.id)).status).toBe('queued');
    const images = await json('image', 'list');
    expect(images.map((i: { Name: string }) => i.Name).sort()).toEqual(['infra-0-snapshot', 'rhcos']);
  });

  it('stops and starts a server; a SOFT reboot of a stopped server is refused, a HARD one powers it on', async () => {
    const node = 'worker-2.openstacklocal';
    expect((await openstack('server', 'stop', node)).code).toBe(0);
    await until(node, 'SHUTOFF');
    const soft = await openstack('server', 'reboot', '--soft', node);
    expect(soft.code).toBe(1);
    expect(soft.stderr).toContain(`while it is in vm_state stopped (HTTP 409)`);
    expect((await openstack('server', 'reboot', '--hard', '--wait', node)).code).toBe(0);
    expect((await show(node)).status).toBe('ACTIVE');
    expect((await openstack('server', 'stop', node)).code).toBe(0);
    await until(node, 'SHUTOFF');
    expect((await openstack('server', 'start', node)).code).toBe(0);
    await until(node, 'ACTIVE');
    const events = await json('server', 'event', 'list', node);
    expect(events.map((e: { Action: string }) => e.Action)).toEqual(['start', 'stop', 'reboot', 'stop', 'create']);
  });
});
