import { resolve } from 'node:path';

/** How a benchmark run is set up: from the command line (`--quick`, `--out DIR`) and the environment. */
export interface BenchConfig {
  quick: boolean;
  /** Where `latest.json` and `latest.md` are written. */
  outDir: string;
  /** A Postgres server (any database on it) where the run creates, then drops, its private database. */
  adminDatabaseUrl: string;
  redisUrl: string;
  /** Seconds of each measured round, rounds per subject, and seconds of warm-up before a subject's rounds. */
  durationS: number;
  rounds: number;
  warmupS: number;
  /** Concurrent HTTP connections of each load run. */
  connections: number;
  /** Node-status cache period of the gateways under test (their default). */
  nodeStatusCacheMs: number;
  /** Reboot jobs sent through the pipeline for each worker count. */
  pipelineJobs: number;
  /** Unmeasured jobs each worker count starts with. */
  pipelineWarmupJobs: number;
  /** Rounds over the worker counts; the best round of each count is reported (others' load skews single runs). */
  pipelineRounds: number;
  workerCounts: number[];
}

const ROOT = resolve(__dirname, '..');

/** `npm run bench [-- --quick] [--out DIR] [--duration S-per-round] [--connections N]`, plus BENCH_DATABASE_URL and BENCH_REDIS_URL. */
export function loadBenchConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
): BenchConfig {
  const flag = (name: string) => argv.includes(name);
  const value = (name: string) => {
    const at = argv.indexOf(name);
    if (at < 0) return undefined;
    const given = argv[at + 1];
    if (given === undefined || given.startsWith('--')) throw new Error(`${name} needs a value`);
    return given;
  };
  const positive = (name: string, fallback: number) => {
    const given = value(name);
    if (given === undefined) return fallback;
    const parsed = Number(given);
    if (!(parsed > 0)) throw new Error(`${name} must be a positive number`);
    return parsed;
  };
  const known = new Set(['--quick', '--out', '--duration', '--connections']);
  const unknown = argv.filter((arg, i) => arg.startsWith('--') && !known.has(arg) && !known.has(argv[i - 1] ?? ''));
  if (unknown.length > 0)
    throw new Error(`unknown option ${unknown[0]} (use --quick, --out DIR, --duration S, --connections N)`);

  const quick = flag('--quick');
  return {
    quick,
    outDir: resolve(value('--out') ?? resolve(ROOT, 'bench/results')),
    adminDatabaseUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    durationS: positive('--duration', quick ? 2 : 3),
    rounds: quick ? 1 : 5,
    warmupS: quick ? 0.5 : 2,
    connections: positive('--connections', 32),
    nodeStatusCacheMs: 2000,
    pipelineJobs: quick ? 48 : 256,
    pipelineWarmupJobs: quick ? 16 : 64,
    pipelineRounds: quick ? 1 : 2,
    workerCounts: [1, 2, 4],
  };
}
