/**
 * `node -r @swc-node/register bench/profile-inflight.ts [--workers N] [--clusters C] [--nodes N] [--reboot-s S]`:
 * the benchmark's in-flight case once (default: 1 worker, 100 clusters × 20 nodes, reboots of 60 s), plus what
 * the workers spend while every reboot is in flight and only watched: CPU seconds from the moment Nova has
 * accepted every reboot to the moment the first one ends (the sends over, none ended yet). With
 * `BENCH_WORKER_NODE_OPTIONS="-r ./bench/worker-probe.preload.cjs"` and BENCH_PROBE (memory, heap or cpu), each
 * worker gets a SIGWINCH five seconds into that window: see the preload for what it writes.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { loadBenchConfig } from './bench.config';
import { BenchSystem } from './bench-system';
import { runInflight } from './inflight';
import { readProcess } from './proc-stats';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const at = process.argv.indexOf(name);
    return at < 0 ? fallback : Number(process.argv[at + 1]);
  };
  const workers = arg('--workers', 1);
  const config = loadBenchConfig(['--only', 'inflight']);
  config.inflight.clusters = arg('--clusters', 100);
  config.inflight.nodesPerCluster = arg('--nodes', 20);
  config.inflight.rebootMs = arg('--reboot-s', 60) * 1000;
  config.inflight.capS = (4 * config.inflight.rebootMs) / 1000;
  const system = await BenchSystem.start(config);
  const total = system.fleetTargets.length;
  const projects = new Set(system.fleetProjectIds);
  /** Reboots running at Nova now, and reboots Nova accepted so far, over the fleet. */
  const nova = () => {
    let [running, accepted] = [0, 0];
    for (const [id, project] of Object.entries(system.simulator.stats().projects)) {
      if (!projects.has(id)) continue;
      running += Object.values(project.inRebootNow).reduce((sum, k) => sum + k, 0);
      accepted += project.rebootActions.SOFT + project.rebootActions.HARD;
    }
    return { running, accepted };
  };
  const cpu = () => system.workers.map((worker) => readProcess(worker.pid ?? 0)?.cpuSeconds ?? 0);
  let steady: { seconds: number; cpuSeconds: number[]; meanInFlight: number } | undefined;
  const signal = () => {
    for (const worker of system.workers) if (worker.pid) process.kill(worker.pid, 'SIGWINCH');
  };
  const follow = (async () => {
    while (system.workers.length === 0) await sleep(200);
    while (nova().accepted === 0) await sleep(200);
    // The CPU profile covers the whole run from the first reboot; memory and heap are taken at the peak.
    if (process.env.BENCH_PROBE === 'cpu') signal();
    let peak = 0;
    for (let now = nova(); now.accepted < total && now.running >= peak - 0.02 * total; now = nova()) {
      peak = Math.max(peak, now.running);
      await sleep(200);
    }
    if (process.env.BENCH_PROBE && process.env.BENCH_PROBE !== 'cpu') signal();
    if (nova().accepted < total) return;
    const [start, cpuStart, counts] = [Date.now(), cpu(), [] as number[]];
    const first = nova().running;
    for (let { running } = nova(); running >= first; { running } = nova()) {
      counts.push(running);
      await sleep(200);
    }
    steady = {
      seconds: (Date.now() - start) / 1000,
      cpuSeconds: cpu().map((end, i) => Math.round((end - cpuStart[i]) * 100) / 100),
      meanInFlight: Math.round(counts.reduce((sum, n) => sum + n, 0) / Math.max(1, counts.length)),
    };
  })();
  try {
    const started: typeof system.workers = [];
    const seen = setInterval(() => {
      if (system.workers.length > 0) started.splice(0, started.length, ...system.workers);
    }, 200);
    const result = await runInflight(system, workers, system.fleetTargets, config.inflight);
    clearInterval(seen);
    await Promise.race([follow, sleep(1000)]);
    const coresPerThousand =
      steady &&
      Math.round(
        (steady.cpuSeconds.reduce((sum, n) => sum + n, 0) / steady.seconds / (steady.meanInFlight / 1000)) * 1000,
      ) / 1000;
    const dir = process.env.BENCH_PROBE_DIR ?? process.cwd();
    const pids = started.map((worker) => worker.pid ?? 0);
    for (const worker of started)
      if (!worker.running || /Error|error/.test(worker.logs.slice(-3000)))
        process.stderr.write(`${worker.name} (${worker.pid}):\n${worker.logs.slice(-3000)}\n`);
    const memory = pids.map((pid) => {
      try {
        const usage = JSON.parse(readFileSync(`${dir}/worker-${pid}.memory.json`, 'utf8'));
        const mb = (n: number) => Math.round(n / 1048576);
        return {
          pid,
          rss: mb(usage.rss),
          heapTotal: mb(usage.heapTotal),
          heapUsed: mb(usage.heapUsed),
          external: mb(usage.external),
          arrayBuffers: mb(usage.arrayBuffers),
        };
      } catch {
        return { pid };
      }
    });
    const { rssMb, cpu: window, activeToDoneMs, done, failed, unfinished, seconds, submitSeconds, inFlight } = result;
    process.stdout.write(
      `${JSON.stringify({ workers, done, failed, unfinished, seconds, submitSeconds, inFlight, rssMb, cpu: window, activeToDoneMs, steady: { ...steady, coresPerThousand }, memory }, null, 1)}\n`,
    );
  } finally {
    await system.stop();
  }
}

void main();
