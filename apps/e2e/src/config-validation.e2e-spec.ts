import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, isListening, testServices } from '@oshift/testing';

const ROOT = resolve(__dirname, '../../..');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether anything accepted connections on the watched port while the process ran. */
  listened: boolean;
}

/** Starts an app the way operators do, watching `port` until it exits. */
function run(entry: string, env: Record<string, string>, port: number): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let listened = false;
    let exited = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const watch = async () => {
      while (!exited) {
        if (await isListening('127.0.0.1', port, 100)) listened = true;
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    void watch();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.once('error', fail);
    child.once('close', (code) => {
      exited = true;
      clearTimeout(timer);
      done({ code, stdout, stderr, listened });
    });
  });
}

/** Exit status, output and port of a process refused at start for one malformed setting. */
function expectRefused(outcome: Outcome, variable: string): void {
  expect({ code: outcome.code, stdout: outcome.stdout, listened: outcome.listened }).toEqual({
    code: 78,
    stdout: '',
    listened: false,
  });
  // Exactly one line, naming the variable, no stack trace.
  expect(outcome.stderr).toMatch(new RegExp(`^invalid configuration: [^\\n]*\\b${variable}: [^\\n]+\\n$`));
}

// Each case starts a fresh Node process (one to three seconds).
jest.setTimeout(60000);

describe('every process refuses a malformed setting at start: one line, non-zero exit, nothing listening', () => {
  const { databaseUrl, redisUrl } = testServices();

  it('gateway: PORT=eighty', async () => {
    const port = await freePort();
    const outcome = await run('apps/gateway/src/main.ts', { PORT: 'eighty', DATABASE_URL: databaseUrl }, port);
    expectRefused(outcome, 'PORT');
  });

  it('gateway: DATABASE_URL missing', async () => {
    const port = await freePort();
    const outcome = await run('apps/gateway/src/main.ts', { PORT: String(port), REDIS_URL: redisUrl }, port);
    expectRefused(outcome, 'DATABASE_URL');
  });

  it('gateway: a PUBLIC_URL that is not ASCII (it would make every accepted reboot answer 500)', async () => {
    const port = await freePort();
    const env = { PORT: String(port), DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://api.exämple.test' };
    expectRefused(await run('apps/gateway/src/main.ts', env, port), 'PUBLIC_URL');
  });

  it('gateway: an empty OIDC_USERNAME_PREFIX (SSO tokens could then act as local users)', async () => {
    const port = await freePort();
    const env = {
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      OIDC_ISSUER: 'https://idp.example.test',
      OIDC_AUDIENCE: 'https://self-service.example.test/api',
      OIDC_USERNAME_PREFIX: '',
    };
    expectRefused(await run('apps/gateway/src/main.ts', env, port), 'OIDC_USERNAME_PREFIX');
  });

  it('gateway: METRICS_PORT=eighty', async () => {
    const port = await freePort();
    const outcome = await run(
      'apps/gateway/src/main.ts',
      { PORT: String(port), METRICS_PORT: 'eighty', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
      port,
    );
    expectRefused(outcome, 'METRICS_PORT');
  });

  it('worker: WORKER_HTTP_PORT=eighty', async () => {
    const port = await freePort();
    const outcome = await run(
      'apps/worker/src/main.ts',
      { WORKER_HTTP_PORT: 'eighty', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
      port,
    );
    expectRefused(outcome, 'WORKER_HTTP_PORT');
  });

  it.each([
    ['gateway', 'PORT', 'REDIS_SENTINELS'],
    ['worker', 'WORKER_HTTP_PORT', 'REDIS_CLUSTER_NODES'],
  ])('%s: REDIS_URL and %s at once (two ways to reach Redis)', async (app, portVariable, second) => {
    const port = await freePort();
    const outcome = await run(
      `apps/${app}/src/main.ts`,
      {
        [portVariable]: String(port),
        DATABASE_URL: databaseUrl,
        REDIS_URL: 'redis://:s3cret-redis@127.0.0.1:6379',
        [second]: '127.0.0.1:26379,127.0.0.1:26380',
      },
      port,
    );
    expectRefused(outcome, second);
    expect(outcome.stderr).toContain(`set only one of REDIS_URL and ${second}`);
    expect(outcome.stderr).not.toContain('s3cret-redis');
  });

  it('worker: DATABASE_URL missing', async () => {
    const port = await freePort();
    const outcome = await run('apps/worker/src/main.ts', { WORKER_HTTP_PORT: String(port) }, port);
    expectRefused(outcome, 'DATABASE_URL');
  });

  it.each([
    ['gateway', 'PORT'],
    ['worker', 'WORKER_HTTP_PORT'],
  ])('%s: CLUSTER_SECRET_KEY of 16 bytes instead of 32', async (app, portVariable) => {
    const port = await freePort();
    const key = Buffer.alloc(16, 1).toString('base64');
    const outcome = await run(
      `apps/${app}/src/main.ts`,
      { [portVariable]: String(port), DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, CLUSTER_SECRET_KEY: key },
      port,
    );
    expectRefused(outcome, 'CLUSTER_SECRET_KEY');
    expect(outcome.stderr).not.toContain(key);
  });

  it('demo: PORT=eighty, and nothing started (no data folder)', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'oshift-demo-')), 'data');
    const simPort = await freePort();
    try {
      const outcome = await run(
        'apps/demo/src/main.ts',
        { PORT: 'eighty', SIM_PORT: String(simPort), DATA_DIR: dataDir },
        simPort,
      );
      expectRefused(outcome, 'PORT');
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('openstack-sim: SIM_PORT=abc', async () => {
    const outcome = await run('apps/openstack-sim/src/main.ts', { SIM_PORT: 'abc' }, await freePort());
    expectRefused(outcome, 'SIM_PORT');
  });

  it('openstack-sim: SIM_ERROR_RATE=2 with a valid port', async () => {
    const port = await freePort();
    const outcome = await run('apps/openstack-sim/src/main.ts', { SIM_PORT: String(port), SIM_ERROR_RATE: '2' }, port);
    expectRefused(outcome, 'SIM_ERROR_RATE');
  });
});
