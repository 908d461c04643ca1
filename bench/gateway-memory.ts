/**
 * `node -r @swc-node/register bench/gateway-memory.ts [SECONDS] [--snapshot]`: what the gateway holds, idle right
 * after start and under the benchmark's `stream` case (1,000 event-stream followers of 100 running jobs): its RSS
 * from /proc and its own `process.memoryUsage()` split, read through `bench/memory-probe.preload.cjs`. With
 * `--snapshot` the gateway also writes a heap snapshot under the load (`gateway-<pid>-<n>.heapsnapshot` in the
 * working directory; `bench/heap-retainers.ts` sums it). BENCH_GATEWAY_NODE_OPTIONS may add V8 flags to try.
 */
import 'reflect-metadata';
import { readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadBenchConfig } from './bench.config';
import { BenchSystem } from './bench-system';
import { readProbe, readProcess } from './proc-stats';
import { runStreamCase } from './stream';

const ROOT = resolve(__dirname, '..');
const MB = 1024 * 1024;

interface MemorySplit {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** V8's heap spaces, used bytes in MB (code, old, new, large objects, …). */
  spacesMb: Record<string, number>;
  /** CommonJS modules loaded, the size of their sources, and the packages with the most source loaded. */
  modules: number;
  sourceMb: number;
  largestPackages: string[];
}

/** Asks the gateway's probe for its memory split (SIGWINCH), then reads what it wrote. */
async function probe(pid: number): Promise<MemorySplit> {
  const { usage, spaces, packages } = await readProbe<{
    usage: NodeJS.MemoryUsage;
    spaces: Record<string, number>;
    packages: Record<string, { modules: number; bytes: number }>;
  }>(pid, resolve(ROOT, `gateway-${pid}.memory.json`), 60_000);
  const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
  return {
    rssMb: mb(usage.rss),
    heapUsedMb: mb(usage.heapUsed),
    heapTotalMb: mb(usage.heapTotal),
    externalMb: mb(usage.external),
    arrayBuffersMb: mb(usage.arrayBuffers),
    spacesMb: Object.fromEntries(
      Object.entries(spaces)
        .filter(([, bytes]) => bytes > 0)
        .map(([name, bytes]) => [name, mb(bytes)]),
    ),
    modules: Object.values(packages).reduce((sum, p) => sum + p.modules, 0),
    sourceMb: mb(Object.values(packages).reduce((sum, p) => sum + p.bytes, 0)),
    largestPackages: Object.entries(packages)
      .sort(([, a], [, b]) => b.bytes - a.bytes)
      .slice(0, 20)
      .map(([name, p]) => `${name} ${p.modules} modules ${mb(p.bytes)} MB`),
  };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 8);
  const snapshot = process.argv.includes('--snapshot');
  const preload = '-r ./bench/memory-probe.preload.cjs';
  process.env.BENCH_GATEWAY_NODE_OPTIONS = `${preload} ${process.env.BENCH_GATEWAY_NODE_OPTIONS ?? ''}`.trim();
  const system = await BenchSystem.start(loadBenchConfig(['--quick']));
  try {
    const pid = system.gatewayProcess?.pid ?? 0;
    await sleep(3000);
    const idle = await probe(pid);
    // Under load: once every follower is connected (the gateway holds 1,000 more descriptors), the largest of the
    // samples taken each second while the case runs.
    let loaded: MemorySplit | undefined;
    let done = false;
    let snapshotTaken = false;
    const sampler = (async () => {
      while (!done && !snapshotTaken) {
        await sleep(1000);
        if (done || openDescriptors(pid) < 1000) continue;
        if (snapshot && loaded) {
          // Writing a snapshot inflates the RSS: taken once, after a sample, and the last thing sampled.
          writeFileSync(resolve(ROOT, `gateway-${pid}.snapshot-wanted`), '');
          await probe(pid);
          snapshotTaken = true;
          continue;
        }
        const sample = await probe(pid);
        if (!loaded || sample.rssMb > loaded.rssMb) loaded = sample;
      }
    })();
    const cpuBefore = readProcess(pid)?.cpuSeconds ?? 0;
    const result = await runStreamCase(system, system.redisUrl, { followers: 1000, runningJobs: 100, seconds });
    done = true;
    await sampler;
    const after = readProcess(pid);
    process.stdout.write(
      `${JSON.stringify({
        idle,
        loaded,
        streamRssMb: result.gatewayRssMb,
        hwmMb: Math.round((after?.hwmKb ?? 0) / 1024),
        // The gateway's CPU time over the whole case (connecting the followers included).
        cpuSeconds: Math.round(((after?.cpuSeconds ?? 0) - cpuBefore) * 100) / 100,
        deliveries: result.deliveries,
        missed: result.missed,
        p99Ms: result.p99Ms,
      })}\n`,
    );
  } finally {
    await system.stop();
  }
}

function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

void main();
