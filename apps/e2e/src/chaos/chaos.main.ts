import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { describeFailure, formatSchedule } from './chaos-report';
import { runSchedule } from './chaos-run';
import { type ChaosSchedule, parseSchedule, scheduleFor } from './chaos-schedule';
import { CHAOS_WORKERS } from './chaos-seeds';
import { shrinkSchedule } from './chaos-shrink';
import { loadChaosEnvironment } from './chaos.config';

/**
 * `npm run chaos -- --seed N --ops M`: plays the schedule seed N gives against a freshly booted gateway, workers
 * and simulator, checks the invariants against the simulator's records, and on a violation prints the seed and
 * shrinks the schedule (each try a full run) to the smallest that still fails, written to `tmp/chaos/`.
 * `--schedule <file>` replays a printed schedule instead.
 */
const ROOT = resolve(__dirname, '../../../..');

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
};

async function main(): Promise<number> {
  const options = new Command('chaos')
    .description('seeded chaos run against the real gateway and workers')
    .option('--seed <n>', 'seed of the schedule (default: a random one, printed)', integer)
    .option('--ops <m>', 'operations in the schedule', integer, 20)
    .option('--schedule <file>', 'replay a printed schedule (JSON) instead of a seed')
    .option('--workers <n>', 'worker processes', integer, CHAOS_WORKERS)
    .option('--shrink-runs <n>', 'most runs spent shrinking a failing schedule (0: none)', integer, 8)
    .parse()
    .opts<{ seed?: number; ops: number; schedule?: string; workers: number; shrinkRuns: number }>();

  const environment = loadChaosEnvironment();
  const log = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const schedule: ChaosSchedule = options.schedule
    ? parseSchedule(readFileSync(options.schedule, 'utf8'))
    : scheduleFor(options.seed ?? Math.floor(Math.random() * 2 ** 31), options.ops);
  log(`seed ${schedule.seed ?? '(replayed schedule)'}, ${schedule.steps.length} steps, ${options.workers} workers`);

  const runOnce = async (candidate: ChaosSchedule) => {
    const outcome = await runSchedule(candidate, { environment, workers: options.workers, log });
    log(
      `${outcome.jobs} jobs, ${outcome.refusals} refused, ${outcome.violations.length} violation(s), ${outcome.seconds} s`,
    );
    return outcome;
  };
  const outcome = await runOnce(schedule);
  if (outcome.violations.length === 0) {
    log(`seed ${schedule.seed ?? '(replayed schedule)'}: every invariant held`);
    return 0;
  }
  console.log(describeFailure(schedule, outcome.violations, options.ops));
  console.log(outcome.logs);
  if (options.shrinkRuns === 0) return 1;

  log(`shrinking (at most ${options.shrinkRuns} runs)`);
  const shrunk = await shrinkSchedule(
    schedule,
    outcome.violations,
    async (candidate) => (await runOnce(candidate)).violations,
    options.shrinkRuns,
    log,
  );
  const dir = join(ROOT, 'tmp', 'chaos');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `seed-${schedule.seed ?? 'replay'}-${shrunk.schedule.steps.length}-steps.json`);
  writeFileSync(file, `${formatSchedule(shrunk.schedule)}\n`);
  console.log(`smallest failing schedule after ${shrunk.runs} shrink run(s):`);
  console.log(describeFailure(shrunk.schedule, shrunk.violations, options.ops));
  console.log(`replay it: npm run chaos -- --schedule ${file.slice(ROOT.length + 1)}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
