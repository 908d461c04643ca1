/**
 * `node -r @swc-node/register bench/profile-pipeline.ts [JOBS] [WORKERS]`: the benchmark's reboot pipeline once
 * (zero-delay reboots, `WORKER_CONCURRENCY` 16, `POLL_INTERVAL_MS` 250, 100 unmeasured jobs first), then its
 * yardstick (the baseline server and as many baseline consumers), printing each one's figures and, when the workers
 * run with `BENCH_WORKER_NODE_OPTIONS="-r ./bench/round-trips.preload.cjs"`, their Postgres statements and Redis
 * commands per job of the measured batch, the most frequent first.
 */
import 'reflect-metadata';
import { loadBenchConfig } from './bench.config';
import { BenchSystem } from './bench-system';
import { runPipeline } from './pipeline';
import { perUnit, roundTrips } from './round-trips';

async function main(): Promise<void> {
  const jobs = Number(process.argv[2] ?? 2000);
  const workers = Number(process.argv[3] ?? 1);
  const counting = process.env.BENCH_WORKER_NODE_OPTIONS?.includes('round-trips') ?? false;
  const system = await BenchSystem.start(loadBenchConfig(['--only', 'pipeline']));
  try {
    const targets = system.fleetTargets.slice(0, jobs);
    const settings = { concurrency: 16, pollIntervalMs: 250, rebootMs: 0 };
    let before: Record<string, number>[] = [];
    let perJob: Record<string, number> | undefined;
    const pids = () => system.workers.flatMap((worker) => (worker.pid ? [worker.pid] : []));
    const around = async (moment: 'start' | 'end') => {
      if (!counting) return;
      const counts = await Promise.all(pids().map(roundTrips));
      if (moment === 'start') before = counts;
      else perJob = perUnit(sum(before), sum(counts), targets.length);
    };
    const result = await runPipeline(system, workers, targets, 100, settings, 'system', around);
    const ordered = perJob && Object.fromEntries(Object.entries(perJob).sort(([, a], [, b]) => b - a));
    process.stdout.write(`${JSON.stringify({ ...result, perJob: ordered }, null, 1)}\n`);
    const yardstick = await runPipeline(system, workers, targets, 100, settings, 'baseline');
    process.stdout.write(`${JSON.stringify(yardstick, null, 1)}\n`);
  } finally {
    await system.stop();
  }
}

function sum(counts: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const each of counts) for (const [name, n] of Object.entries(each)) total[name] = (total[name] ?? 0) + n;
  return total;
}

void main();
