import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoProject } from './demo-project';
import { OpenStackSimulator } from './openstack-simulator';
import type { SimProjectSpec } from './sim.types';

// Test support for the simulator's specs (not exported from the lib).

// The public samples live with the client lib (see its test-fixtures/openstack-samples/README.txt).
const SAMPLES = join(__dirname, '..', '..', 'openstack-client', 'test-fixtures', 'openstack-samples');

/** Bodies of the simulator's answers, checked field by field in the specs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A public OpenStack sample, parsed. */
export const sample = (path: string): Json => JSON.parse(readFileSync(join(SAMPLES, path), 'utf8'));

/** The UUID the DERIVED samples use as a placeholder. */
export const PLACEHOLDER_UUID = '9e5476bd-a4ec-4653-93d6-72c93aa682ba';

/** Keystone's (and keystonemiddleware's) 401 body. */
export const UNAUTHORIZED = {
  error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
};

/** A second project, to check that projects do not see each other's servers. */
export const otherProject: SimProjectSpec = {
  id: 'other0000000000000000000000000000',
  name: 'other-project',
  users: [{ name: 'eve', password: 'eve-password' }],
  servers: [{ name: 'secret-0' }, { name: 'stopped-0', status: 'SHUTOFF' }],
};

/** A Keystone password-auth body for a user of the Default domain. */
export const passwordAuth = (user: string, password: string, scope?: object) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
    ...(scope ? { scope } : {}),
  },
});

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A simulator with the demo project and {@link otherProject} (reboots of 200 ms), started before a spec file's
 * tests, reset after each test and closed at the end, with a demo token and raw-HTTP helpers.
 */
export class SimulatorHarness {
  sim!: OpenStackSimulator;
  token = '';

  static install(): SimulatorHarness {
    const harness = new SimulatorHarness();
    beforeAll(async () => {
      harness.sim = await OpenStackSimulator.start({
        projects: [demoProject(), otherProject],
        knobs: { rebootDurationMs: 200 },
      });
      const res = await harness.auth(
        passwordAuth('demo', 'demo-password', {
          project: { name: 'mycompany.cor00005.cna.ukcloud.com', domain: { name: 'Default' } },
        }),
      );
      harness.token = res.headers.get('x-subject-token')!;
    });
    afterEach(() => harness.sim.reset());
    afterAll(() => harness.sim.close());
    return harness;
  }

  /** `POST /identity/v3/auth/tokens`. */
  auth = (body: unknown) =>
    fetch(`${this.sim.identityUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** A Nova call with the demo token (or `withToken`). */
  nova = (path: string, init: RequestInit = {}, withToken = this.token) =>
    fetch(`${this.sim.computeUrl}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', 'x-auth-token': withToken, ...init.headers },
    });

  /** `POST /servers/{id}/action` with a reboot of `type`, by server name. */
  reboot = (name: string, type: string) =>
    this.nova(`/servers/${this.sim.serverId(name)}/action`, {
      method: 'POST',
      body: JSON.stringify({ reboot: { type } }),
    });

  /** `GET /servers/{id}` by server name: the `server` object. */
  server = async (name: string): Promise<Json> =>
    ((await (await this.nova(`/servers/${this.sim.serverId(name)}`)).json()) as Json).server;
}
