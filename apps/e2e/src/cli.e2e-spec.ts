import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@oshift/testing';
import { oshift, settingsFor } from './oshift.runner';
import { SystemUnderTest, type TestUser } from './system-under-test';

const JOB_ID = /^[A-Za-z0-9_-]{22}$/;
const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** The real `oshift` process against the running system: every command's output and every exit code. */
describe('oshift, the command line', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let viewer: TestUser;
  let asOperator: Record<string, string>;

  const jobOutput = async (jobId: string) => {
    const response = await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}`, { user: viewer });
    return (await response.json()) as { output: string; errors: string };
  };

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 } });
    operator = await system.user(['reboot']);
    viewer = await system.user(['read']);
    asOperator = settingsFor(system, operator);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('documents its commands, settings and exit codes in --help', async () => {
    const help = await oshift(['--help'], {});
    expect(help.code).toBe(0);
    for (const word of ['nodes', 'reboot', 'job', 'jobs', 'whoami', 'OSHIFT_URL', 'OSHIFT_TOKEN', '--password-stdin']) {
      expect(help.stdout).toContain(word);
    }
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}success[^\n]*\n {2}1 [^\n]*Fail[^\n]*\n {2}2 {2}usage/);
    const reboot = await oshift(['reboot', '--help'], {});
    expect(reboot.code).toBe(0);
    expect(reboot.stdout).toMatch(
      /--hard[\s\S]*--wait[\s\S]*--follow[\s\S]*--timeout[\s\S]*--dry-run[\s\S]*--idempotency-key/,
    );
    expect(reboot.stdout).toContain('3  --timeout passed');
  });

  it('exits 2 on usage errors, naming what is missing or wrong', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['nodes'], {}, /missing setting: the API URL \(--url, OSHIFT_URL or a profile\)/],
      [
        ['nodes'],
        { ...asOperator, OSHIFT_CLUSTER: '' },
        /missing setting: the cluster \(--cluster, OSHIFT_CLUSTER or a profile\)/,
      ],
      [
        ['nodes'],
        { ...asOperator, OSHIFT_USER: '' },
        /missing setting: the user \(--user, OSHIFT_USER or a profile\), or OSHIFT_TOKEN/,
      ],
      [
        ['nodes'],
        { ...asOperator, OSHIFT_PASSWORD: '' },
        /missing setting: the password \(OSHIFT_PASSWORD, --password-stdin or a profile\)/,
      ],
      [['nodes', '--url', 'ftp://example.test'], asOperator, /must be an http:\/\/ or https:\/\/ URL/],
      [['reboot'], asOperator, /missing required argument 'node'/],
      [['reboot', 'worker-0.openstacklocal', '--wait', '--follow'], asOperator, /cannot be used with/],
      [['reboot', 'worker-0.openstacklocal', '--timeout', '5'], asOperator, /--timeout needs --wait or --follow/],
      [
        ['reboot', 'worker-0.openstacklocal', '--wait', '--timeout', 'soon'],
        asOperator,
        /--timeout must be a positive/,
      ],
      [['nodes', '-o', 'xml'], asOperator, /Allowed choices are table, json, yaml/],
      [['frobnicate'], asOperator, /unknown command 'frobnicate'/],
      [['nodes', '--password', 'x'], asOperator, /unknown option '--password'/],
    ];
    for (const [args, env, message] of cases) {
      const run = await oshift(args, env);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).toMatch(message);
    }
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(0);
  });

  it('lists nodes as a NAME/STATUS table, and as the API sent them with -o json', async () => {
    const table = await oshift(['nodes'], asOperator);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME {2,}STATUS$/);
    expect(lines).toHaveLength(11);
    expect(lines).toContain('worker-0.openstacklocal   ACTIVE');
    expect(table.stdout).not.toContain('\x1b['); // not a terminal: no colour
    const json = await oshift(['nodes', '-o', 'json'], asOperator);
    const direct = await system.request('GET', `/api/openshift/${system.clusterId}/nodestatus`, { user: viewer });
    expect([json.code, json.stdout]).toEqual([0, `${await direct.text()}\n`]);
  });

  it('colours statuses on a terminal only, and not with NO_COLOR', async () => {
    // `script` (util-linux) runs the CLI on a pseudo-terminal, as in a person's shell.
    const onTerminal = (env: Record<string, string>) =>
      oshift(
        [
          '-qec',
          `${process.execPath} -r @swc-node/register ${resolve(__dirname, '../../cli/src/main.ts')} nodes`,
          '/dev/null',
        ],
        { ...env, PATH: process.env.PATH ?? '' },
        undefined,
        'script',
      );
    const coloured = await onTerminal(asOperator);
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain('worker-0.openstacklocal   \x1b[32mACTIVE\x1b[0m');
    const plain = await onTerminal({ ...asOperator, NO_COLOR: '1' });
    expect(plain.stdout).toContain('worker-0.openstacklocal   ACTIVE');
    expect(plain.stdout).not.toContain('\x1b[');
  });

  it('reboot --follow prints the job id, then each output line as it comes, and exits 0 on Done', async () => {
    const run = await oshift(['reboot', 'worker-0.openstacklocal', '--follow'], asOperator);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const [jobId, ...lines] = run.stdout.trimEnd().split('\n');
    expect(jobId).toMatch(JOB_ID);
    expect(lines.join('\n')).toBe((await jobOutput(jobId)).output);
    expect(lines[0]).toBe('worker-0.openstacklocal REBOOT');
    expect(lines.slice(-2)).toEqual(['worker-0.openstacklocal ACTIVE', 'Done']);
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(1);
  });

  it('reboot --wait prints only the end; the password may come from stdin', async () => {
    const { OSHIFT_PASSWORD: password, ...withoutPassword } = asOperator;
    const run = await oshift(
      ['reboot', 'infra-0.openstacklocal', '--wait', '--password-stdin'],
      withoutPassword,
      `${password}\n`,
    );
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^[A-Za-z0-9_-]{22}\nDone\n$/);
  });

  it('refuses as the API does, exit 4 with its error on stderr and nothing on stdout', async () => {
    const refusals: [string[], Record<string, string>, string][] = [
      [['reboot', 'worker-0.openstacklocal', '--follow'], settingsFor(system, viewer), 'Node Not found\n'],
      [['reboot', 'worker-9.openstacklocal'], asOperator, 'Node Not found\n'],
      [['nodes'], { ...asOperator, OSHIFT_PASSWORD: 'wrong' }, 'Unauthorized\n'],
      [['nodes'], { ...asOperator, OSHIFT_CLUSTER: 'not-granted.example.test' }, 'Not Found\n'],
      [['job', 'AAAAAAAAAAAAAAAAAAAAAA'], asOperator, 'Job Not found\n'],
      [['job', 'AAAAAAAAAAAAAAAAAAAAAA', '--follow'], asOperator, 'Job Not found\n'],
    ];
    for (const [args, env, stderr] of refusals) {
      expect({ args, ...(await oshift(args, env)) }).toEqual({ args, code: 4, stdout: '', stderr });
    }
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(1); // the earlier test's only
  });

  it('a second reboot of a node being rebooted is refused (4), naming the running job', async () => {
    system.simulator.setKnobs({ rebootDurationMs: 6000 }, 'worker-1.openstacklocal');
    const first = await oshift(['reboot', 'worker-1.openstacklocal'], asOperator);
    expect(first.code).toBe(0);
    const jobId = first.stdout.trim();
    const second = await oshift(['reboot', 'worker-1.openstacklocal'], asOperator);
    expect(second).toEqual({
      code: 4,
      stdout: '',
      stderr: `A reboot of this node is already running\nrunning job: ${jobId}\n`,
    });
    const followed = await oshift(['job', jobId, '--follow'], asOperator);
    expect(followed.code).toBe(0);
    expect(followed.stdout.trimEnd()).toBe((await jobOutput(jobId)).output);
    const shown = await oshift(['job', jobId, '-o', 'json'], asOperator);
    expect(JSON.parse(shown.stdout)).toMatchObject(await jobOutput(jobId));
  });

  it('exits 3 when --timeout passes, with the job id printed; the job goes on to Done', async () => {
    system.simulator.setKnobs({ rebootDurationMs: 4000 }, 'master-0.openstacklocal');
    const run = await oshift(['reboot', 'master-0.openstacklocal', '--wait', '--timeout', '1'], asOperator);
    expect(run.code).toBe(3);
    const jobId = run.stdout.trim();
    expect(jobId).toMatch(JOB_ID);
    expect(run.stderr).toBe(`--timeout: still running after 1 s; job ${jobId} goes on\n`);
    const later = await oshift(['job', jobId, '--wait'], asOperator);
    expect([later.code, later.stdout]).toEqual([0, 'Done\n']);
  });

  it('exits 1 when the job ends Fail, with its errors on stderr', async () => {
    system.simulator.setKnobs({ rebootEndsIn: 'ERROR' }, 'infra-1.openstacklocal');
    const run = await oshift(['reboot', 'infra-1.openstacklocal', '--follow'], asOperator);
    const jobId = run.stdout.split('\n')[0];
    const job = await jobOutput(jobId);
    expect(job.output).toMatch(/\nFail$/);
    // Reboots ended Done before in this cluster: --follow first says when the node should be back.
    expect(run).toEqual({
      code: 1,
      stdout: `${jobId}\n${job.output}\n`,
      stderr: expect.stringMatching(new RegExp(`^back in about \\d+ s\\n${escapeRegExp(job.errors)}\\n$`)),
    });
    expect((await oshift(['job', jobId], asOperator)).code).toBe(1);
  });

  it('exits 5 when the API cannot be reached, or answers 5xx after retries', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const closed = await oshift(['nodes'], { ...asOperator, OSHIFT_URL: nobody });
    expect(closed).toEqual({ code: 5, stdout: '', stderr: `cannot reach ${nobody}: ECONNREFUSED\n` });
    system.simulator.setKnobs({ errorRate: 1 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 2100)); // the gateway's node list cache expires
      const failing = await oshift(['nodes'], asOperator);
      expect(failing).toEqual({
        code: 5,
        stdout: '',
        stderr: 'OpenStack is unavailable, try again later (HTTP 503)\n',
      });
    } finally {
      system.simulator.setKnobs({ errorRate: 0 });
    }
  });

  it('packs into a tarball that installs globally as `oshift`, needing nothing of the monorepo', async () => {
    const work = mkdtempSync(join(tmpdir(), 'oshift-pack-'));
    try {
      const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, env: process.env, stdio: 'pipe' });
      npm(['pack', '--pack-destination', work], resolve(__dirname, '../../cli'));
      const [tarball] = readdirSync(work);
      expect(tarball).toMatch(/^oshift-\d+\.\d+\.\d+\.tgz$/);
      const files = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(files).toEqual(
        expect.arrayContaining(['package/package.json', 'package/README.md', 'package/dist/main.js']),
      );
      expect(files.filter((file) => !/^package\/(dist\/.*\.js|package\.json|README\.md)$/.test(file))).toEqual([]);
      const prefix = join(work, 'prefix');
      npm(
        ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)],
        work,
      );
      // Its two dependencies (and .bin, where npm links yaml's own command for them, not on the PATH).
      const installedPackages = readdirSync(join(prefix, 'lib/node_modules/oshift/node_modules')).sort();
      expect(installedPackages).toEqual(['.bin', 'commander', 'yaml']);
      // `#!/usr/bin/env node` finds node on PATH, as in a customer's shell.
      const env = { ...asOperator, PATH: process.env.PATH ?? '' };
      const installed = join(prefix, 'bin/oshift');
      const help = await oshift(['--help'], env, undefined, installed);
      expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('Exit codes:')]);
      const nodes = await oshift(['nodes'], env, undefined, installed);
      expect([nodes.code, nodes.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(/^NAME +STATUS$/)]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
