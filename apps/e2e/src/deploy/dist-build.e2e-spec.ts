// The production build for real: `npm run build`, production dependencies only (`npm ci --omit=dev
// --legacy-peer-deps`, as in the Dockerfile, into a copy outside the repository, so nothing resolves to its
// node_modules), then migrate, the demo seed, gateway and worker started from dist/ with plain Node (the servers
// until they answer /readyz).
// Costs about a minute (71 s in a full run on a shared 2-vCPU machine: build ~8 s, npm ci 10-30 s from the npm
// cache, then start-up and checks).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { deleteRedisKeys, freePort, testServices } from '@oshift/testing';

const ROOT = resolve(__dirname, '../../../..');
jest.setTimeout(300_000);

describe('the built apps on production dependencies only', () => {
  const copy = mkdtempSync(join(tmpdir(), 'oshift-dist-'));
  const database = `oshift_test_dist_${randomBytes(4).toString('hex')}`;
  const server = new URL(testServices().databaseUrl);
  const databaseUrl = Object.assign(new URL(server), { pathname: `/${database}` }).toString();
  const redisPrefix = `${testServices().redisPrefix}:dist`;
  const running: ChildProcess[] = [];
  const admin = new Client({ connectionString: server.toString() });

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(copy, file));
    execFileSync(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--legacy-peer-deps',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      { cwd: copy, stdio: 'pipe' },
    );
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  });

  afterAll(async () => {
    await Promise.all(running.map((child) => stop(child)));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await deleteRedisKeys(testServices().redisUrl, redisPrefix);
    rmSync(copy, { recursive: true, force: true });
  });

  it('installs no development tool: TypeScript, swc, PGlite, Jest, Nx', () => {
    for (const dev of ['typescript', '@swc/core', '@swc-node/register', '@electric-sql/pglite', 'jest', 'nx'])
      expect({ dev, installed: existsSync(join(copy, 'node_modules', dev)) }).toEqual({ dev, installed: false });
  });

  it('migrates a new database, seeds the demo, then runs a gateway and a worker that answer /readyz', async () => {
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: testServices().redisUrl, REDIS_PREFIX: redisPrefix };
    /** Runs a built app to its end; answers what it printed. */
    const built = (app: string, words: string[], more: Record<string, string> = {}) =>
      execFileSync(process.execPath, [`dist/apps/${app}/main.js`, ...words], {
        cwd: copy,
        env: { PATH: process.env.PATH ?? '', ...env, ...more },
        encoding: 'utf8',
      });
    expect(built('admin', ['migrate'])).toMatch(/^applied \w+/);

    // The compose demo profile's seeding step, from the build: the demo cluster and users, as the operator CLI
    // then lists them (the seed once failed here with `No metadata for "ClusterEntity" was found`).
    const seeded = built('demo', ['seed'], { DEMO_IDENTITY_URL: 'http://127.0.0.1:5005/identity/v3' });
    expect(seeded).toMatch(
      /^demo cluster mycompany\.cor00005\.cna\.ukcloud\.com at http:\/\/127\.0\.0\.1:5005\/identity\/v3;/,
    );
    expect(built('admin', ['cluster', 'list'])).toMatch(
      /^mycompany\.cor00005\.cna\.ukcloud\.com +http:\/\/127\.0\.0\.1:5005\/identity\/v3 +RegionOne /m,
    );
    expect(built('admin', ['user', 'list'])).toMatch(
      /^operator +enabled +mycompany\.cor00005\.cna\.ukcloud\.com:reboot\nviewer +enabled +mycompany\.cor00005\.cna\.ukcloud\.com:read$/m,
    );

    const [gatewayPort, workerPort] = [await freePort(), await freePort()];
    // Metrics on any free port (the default, 9465, may be another test's).
    const gateway = start('gateway', { ...env, HOST: '127.0.0.1', PORT: String(gatewayPort), METRICS_PORT: '0' });
    const worker = start('worker', { ...env, WORKER_HTTP_HOST: '127.0.0.1', WORKER_HTTP_PORT: String(workerPort) });
    for (const port of [gatewayPort, workerPort]) {
      const ready = await readiness(`http://127.0.0.1:${port}/readyz`);
      expect(ready).toMatchObject({ status: 200, body: { status: 'ok' } });
    }
    const openapi = await fetch(`http://127.0.0.1:${gatewayPort}/openapi.json`);
    expect(openapi.status).toBe(200);
    // The customers' web page, built to dist/apps/web, is found and served by the built gateway.
    const page = await fetch(`http://127.0.0.1:${gatewayPort}/`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    // A graceful stop: Nest re-raises SIGTERM once closed (the worker exits 0); never the SIGKILL of stop().
    expect(await Promise.all([stop(gateway), stop(worker)])).toEqual([
      expect.stringMatching(/^(0|SIGTERM)$/),
      expect.stringMatching(/^(0|SIGTERM)$/),
    ]);
  });

  function start(app: string, env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, [`dist/apps/${app}/main.js`], {
      cwd: copy,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    running.push(child);
    return child;
  }
});

/** Polls a readiness URL until it answers 200 (or 60 s pass); answers the last status and body. */
async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 60_000;
  let last = { status: 0, body: undefined as unknown };
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      last = { status: response.status, body: await response.json() };
      if (response.status === 200) return last;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 200));
  }
  return last;
}

/** Stops a process with SIGTERM (SIGKILL after 15 s); answers its exit code or the signal that ended it. */
function stop(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(String(child.exitCode ?? child.signalCode));
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      done(String(code ?? signal));
    });
    child.kill('SIGTERM');
  });
}
