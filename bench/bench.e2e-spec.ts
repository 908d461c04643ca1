import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testServices } from '@oshift/testing';

const ROOT = resolve(__dirname, '..');

/** Runs `npm run bench -- --quick` into a temporary folder; resolves with its exit code and output. */
function runQuickBench(outDir: string): Promise<{ code: number | null; output: string }> {
  const { databaseUrl, redisUrl } = testServices();
  return new Promise((resolveRun) => {
    const child = spawn('npm', ['run', 'bench', '--', '--quick', '--out', outDir], {
      cwd: ROOT,
      // The bench makes its own database on the test run's server, and its own key prefix.
      env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => resolveRun({ code, output }));
  });
}

describe('npm run bench -- --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'oshift-bench-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  // Checks that the benchmark runs end to end and writes well-formed results; it asserts no speed.
  it('measures every case and writes latest.json and latest.md', async () => {
    const { code, output } = await runQuickBench(outDir);
    expect({ code, tail: output.slice(-3000) }).toEqual({ code: 0, tail: expect.any(String) });

    const results = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8'));
    expect(results.mode).toBe('quick');
    const cases = results.http.map((each: { endpoint: string; subject: string }) => `${each.endpoint}/${each.subject}`);
    expect(cases).toEqual(
      expect.arrayContaining([
        'nodestatus/baseline',
        'nodestatus/gateway',
        'nodestatus/gateway without auth',
        'job poll/baseline',
        'job poll/gateway',
        'reboot/baseline',
        'reboot/gateway',
      ]),
    );
    for (const each of results.http) {
      expect(each.reqPerSec).toBeGreaterThan(0);
      expect(each.p99Ms).toBeGreaterThanOrEqual(each.p50Ms);
    }
    // Every answer of the read cases is a 200 (a failing system would show up as fast errors).
    for (const each of results.http.filter((one: { endpoint: string }) => one.endpoint !== 'reboot')) {
      expect(Object.keys(each.statuses)).toEqual(['200']);
    }
    expect(results.novaListCalls.length).toBeGreaterThan(0);
    // The pipeline at each worker count, then its yardstick (baseline consumers) at each, with the cores each used.
    expect(
      results.pipeline.map((each: { subject: string; workers: number }) => `${each.subject} ${each.workers}`),
    ).toEqual(['system 1', 'system 2', 'system 4', 'baseline 1', 'baseline 2', 'baseline 4']);
    for (const each of results.pipeline) {
      expect(each).toMatchObject({ failed: 0, done: each.jobs, rebootMs: 0, concurrency: 16 });
      expect(each.cores.workers).toBeGreaterThan(0);
      expect(each.cores.machine).toBeGreaterThan(0);
    }
    // Every reboot in flight ended Done, each server was rebooted once, and each Done came after its ACTIVE.
    expect(results.inflight.map((each: { workers: number }) => each.workers)).toEqual([1, 4]);
    for (const each of results.inflight) {
      expect(each).toMatchObject({
        reboots: 48,
        done: 48,
        failed: 0,
        unfinished: 0,
        servers: { once: 48, more: 0, never: 0, rebootsAccepted: 48 },
        activeToDoneMs: { count: 48 },
        concurrency: 16,
        pollIntervalMs: 1000,
      });
      expect(each.activeToDoneMs.p50).toBeGreaterThanOrEqual(0);
      expect(each.activeToDoneMs.p99).toBeGreaterThanOrEqual(each.activeToDoneMs.p50);
      expect(each.inFlight.peak).toBeGreaterThan(0);
      expect(each.rssMb.peakPerWorker).toHaveLength(each.workers);
      for (const mb of each.rssMb.peakPerWorker) expect(mb).toBeGreaterThan(0);
      expect(each.cpu.cores).toBeGreaterThan(0);
    }
    // Every line written while measuring reached every follower of its job.
    expect(results.stream.map((each: { followers: number }) => each.followers)).toEqual([10, 1000]);
    for (const each of results.stream) {
      expect(each.deliveries).toBeGreaterThan(0);
      expect(each.missed).toBe(0);
    }
    expect(results.targets.length).toBeGreaterThanOrEqual(5);

    const markdown = readFileSync(join(outDir, 'latest.md'), 'utf8');
    expect(markdown).toMatch(/^# Benchmark results \(quick run\)/);
    expect(markdown).toContain('| nodestatus');
    expect(markdown).toContain('## Reboots in flight (48 reboots of 3 s across 8 clusters');
    expect(existsSync(join(outDir, 'latest.json.tmp'))).toBe(false);
  }, 600_000);
});
