import 'reflect-metadata';
import { loadBenchConfig } from './bench.config';
import { BenchSystem } from './bench-system';
import { runPipeline } from './pipeline';

async function main() {
  const config = loadBenchConfig(['--only', 'pipeline']);
  const system = await BenchSystem.start(config);
  try {
    const jobs = system.fleetTargets.slice(0, Number(process.env.JOBS ?? 2000));
    const r = await runPipeline(system, 1, jobs, 100, { concurrency: 16, pollIntervalMs: 250, rebootMs: 0 }, (process.env.SUBJ as 'baseline') ?? 'system');
    console.log(JSON.stringify(r));
  } finally {
    await system.stop();
  }
}
void main();
