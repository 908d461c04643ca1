import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@oshift/testing';
import { parse, parseAllDocuments } from 'yaml';
import { oshift } from './oshift.runner';
import { SystemUnderTest, type TestUser } from './system-under-test';

/** `oshift` with profiles of its config file, `-o yaml` and `--debug`, against the running system. */
describe('oshift profiles, -o yaml and --debug', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let viewer: TestUser;
  let configHome: string;
  let file: string;
  /** Only the config file's place: every other setting comes from the profile or the case's own variables. */
  let base: Record<string, string>;

  const writeConfig = (text: string, mode = 0o600) => {
    writeFileSync(file, text);
    chmodSync(file, mode);
  };
  const whoami = async (args: string[], env: Record<string, string> = {}) => {
    const run = await oshift(['whoami', '-o', 'json', ...args], { ...base, ...env });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    return (JSON.parse(run.stdout) as { user: string }).user;
  };

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 } });
    operator = await system.user(['read', 'reboot']);
    viewer = await system.user(['read']);
    configHome = mkdtempSync(join(tmpdir(), 'oshift-xdg-'));
    mkdirSync(join(configHome, 'oshift'));
    file = join(configHome, 'oshift', 'config.yaml');
    base = { XDG_CONFIG_HOME: configHome, HOME: join(configHome, 'no-home') };
    const closed = `http://127.0.0.1:${await freePort()}`;
    writeConfig(`# the operator's profile is the default
current-profile: operator
profiles:
  operator:
    url: ${system.baseUrl}
    cluster: ${system.clusterId}
    user: ${operator.username}
    password: "${operator.password}"
  viewer:
    url: ${system.baseUrl}
    cluster: ${system.clusterId}
    user: ${viewer.username}
    password: '${viewer.password}'
  elsewhere:
    url: ${closed}
    cluster: ${system.clusterId}
`);
  }, 120_000);

  afterAll(async () => {
    rmSync(configHome, { recursive: true, force: true });
    await system?.stop();
  });

  it('takes the current profile, else the one --profile or OSHIFT_PROFILE names; flags beat variables beat it', async () => {
    expect(await whoami([])).toBe(operator.username);
    expect(await whoami(['--profile', 'viewer'])).toBe(viewer.username);
    expect(await whoami([], { OSHIFT_PROFILE: 'viewer' })).toBe(viewer.username);
    expect(await whoami(['--profile', 'operator'], { OSHIFT_PROFILE: 'viewer' })).toBe(operator.username);
    // A variable wins over the profile's setting, a flag over the variable.
    const asViewer = { OSHIFT_USER: viewer.username, OSHIFT_PASSWORD: viewer.password };
    expect(await whoami([], asViewer)).toBe(viewer.username);
    expect(await whoami(['--profile', 'viewer'], { OSHIFT_TOKEN: 'not-used', ...asViewer })).toBe(viewer.username);
    const elsewhere = { OSHIFT_USER: operator.username, OSHIFT_PASSWORD: operator.password };
    expect(await whoami(['--profile', 'elsewhere', '--url', system.baseUrl], elsewhere)).toBe(operator.username);
    expect(await whoami(['--profile', 'elsewhere'], { ...elsewhere, OSHIFT_URL: system.baseUrl })).toBe(
      operator.username,
    );
  });

  it('refuses a profile that is not there, and a secret in a file others may read (exit 2, nothing sent)', async () => {
    const missing = await oshift(['nodes', '--profile', 'staging'], base);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: `${file}: no profile "staging" (profiles: operator, viewer, elsewhere)\n(add --help for usage)\n`,
    });
    chmodSync(file, 0o644);
    try {
      const readable = await oshift(['nodes'], base);
      expect(readable).toEqual({
        code: 2,
        stdout: '',
        stderr: `${file} holds a password or token and others may read it: chmod 600 ${file}\n(add --help for usage)\n`,
      });
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it('-o yaml says what -o json says, a followed job as one YAML stream', async () => {
    const json = await oshift(['nodes', '-o', 'json'], base);
    const yaml = await oshift(['nodes', '-o', 'yaml'], base);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^- nodename: \S+\n {2}status: ACTIVE\n/);
    expect(parse(yaml.stdout)).toEqual(JSON.parse(json.stdout));

    const followed = await oshift(['reboot', 'worker-1.openstacklocal', '--follow', '-o', 'yaml'], base);
    expect([followed.code, followed.stderr]).toEqual([0, '']);
    const documents = parseAllDocuments(followed.stdout).map((document) => document.toJS() as Record<string, unknown>);
    expect(documents[0]).toEqual({ state: 'started', job_id: expect.any(String), status_url: expect.any(String) });
    expect(documents.slice(1, -1)).toEqual(
      expect.arrayContaining([{ n: expect.any(Number), text: 'worker-1.openstacklocal REBOOT' }]),
    );
    expect(documents.at(-1)).toEqual({ state: 'done', errors: '' });
  });

  it('--debug shows each request on stderr, without credentials, and leaves stdout as it was', async () => {
    const plain = await oshift(['nodes'], base);
    const debug = await oshift(['--debug', 'nodes'], base);
    expect({ code: debug.code, stdout: debug.stdout }).toEqual({ code: 0, stdout: plain.stdout });
    const nodestatus = `${system.baseUrl}/api/openshift/${system.clusterId}/nodestatus`;
    expect(debug.stderr.split('\n')).toEqual([
      `debug: profile operator from ${file}`,
      expect.stringMatching(new RegExp(`^debug: GET ${nodestatus.replace(/[.]/g, '\\.')} -> 200 in \\d+ ms$`)),
      '',
    ]);

    // A refusal and a followed job: each request's outcome, the stream's too; never a secret.
    const refused = await oshift(['--debug', 'nodes'], { ...base, OSHIFT_PASSWORD: 'wrong-password' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^debug: GET \S+\/nodestatus -> 401 in \d+ ms$/m);
    const followed = await oshift(['--debug', 'reboot', 'worker-2.openstacklocal', '--follow'], base);
    expect(followed.code).toBe(0);
    expect(followed.stderr).toMatch(/^debug: POST \S+\/reboot -> 202 in \d+ ms$/m);
    expect(followed.stderr).toMatch(/^debug: GET \S+\/job\/[\w-]{22} -> 200 text\/event-stream in \d+ ms$/m);
    const tokenRun = await oshift(['--debug', 'nodes', '--profile', 'elsewhere'], {
      ...base,
      OSHIFT_URL: system.baseUrl,
      OSHIFT_TOKEN: 'secret-sso-token',
    });
    expect(tokenRun.code).toBe(4); // no SSO here: the token is refused, and still never shown
    for (const stderr of [debug.stderr, refused.stderr, followed.stderr, tokenRun.stderr]) {
      for (const secret of [
        operator.password,
        'wrong-password',
        'secret-sso-token',
        Buffer.from(`${operator.username}:${operator.password}`).toString('base64'),
      ]) {
        expect(stderr).not.toContain(secret);
      }
      expect(stderr).not.toMatch(/authorization|basic |bearer /i);
    }
  });
});
