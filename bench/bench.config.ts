import { resolve } from 'node:path';

/** The parts of a run `--only` may pick: the HTTP calls (with Nova calls under load), streams, pipeline, in flight. */
export const SCENARIOS = ['http', 'stream', 'pipeline', 'inflight'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The in-flight case: many reboots of a long simulated reboot held at once, on 1 worker and then more. */
export interface InflightConfig {
  /** Clusters (simulator projects) of the fleet, and worker nodes in each: one reboot per worker node. */
  clusters: number;
  nodesPerCluster: number;
  /** How long the simulator's reboots take. */
  rebootMs: number;
  /** The workers' POLL_INTERVAL_MS and WORKER_CONCURRENCY (their defaults), and OPENSTACK_CALLS_PER_SECOND. */
  pollIntervalMs: number;
  concurrency: number;
  callsPerSecondPerCluster: number;
  workerCounts: number[];
  /** The most a run waits from its first request for every job to end; what has not ended by then is counted. */
  capS: number;
}

/** How a benchmark run is set up: from the command line (`--quick`, `--out DIR`) and the environment. */
export interface BenchConfig {
  quick: boolean;
  /** The scenarios to run (all by default). */
  only: Scenario[];
  /** Where the results are written: `<label>.json` and `<label>.md` (label `latest` unless `--label` says). */
  outDir: string;
  label: string;
  /** Results of an earlier run (`before.json` in outDir when there is one) shown beside these. */
  beforeFile: string;
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
  /**
   * Reboot jobs sent through the pipeline for each worker count (to the fleet's worker nodes, spread over its
   * clusters), with zero-delay simulated reboots and workers looking every `pipelinePollIntervalMs`.
   */
  pipelineJobs: number;
  pipelineRebootMs: number;
  pipelinePollIntervalMs: number;
  /** Unmeasured jobs each worker count starts with. */
  pipelineWarmupJobs: number;
  /** Rounds over the worker counts; the best round of each count is reported (others' load skews single runs). */
  pipelineRounds: number;
  workerCounts: number[];
  inflight: InflightConfig;
}

const ROOT = resolve(__dirname, '..');

/**
 * `npm run bench [-- --quick] [--only a,b] [--label NAME] [--out DIR] [--duration S-per-round] [--connections N]
 * [--inflight-cap S]`, plus BENCH_DATABASE_URL and BENCH_REDIS_URL.
 */
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
  const known = new Set(['--quick', '--only', '--label', '--out', '--duration', '--connections', '--inflight-cap']);
  const unknown = argv.filter((arg, i) => arg.startsWith('--') && !known.has(arg) && !known.has(argv[i - 1] ?? ''));
  if (unknown.length > 0)
    throw new Error(
      `unknown option ${unknown[0]} (use --quick, --only ${SCENARIOS.join(',')}, --label NAME, --out DIR, ` +
        `--duration S, --connections N, --inflight-cap S)`,
    );
  const only = (value('--only')?.split(',') ?? [...SCENARIOS]).map((name) => name.trim());
  const strange = only.find((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (strange !== undefined) throw new Error(`--only takes ${SCENARIOS.join(', ')}; not ${strange}`);
  const label = value('--label') ?? 'latest';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(label)) throw new Error('--label is a file name: lower-case letters, digits, -');

  const quick = flag('--quick');
  const outDir = resolve(value('--out') ?? resolve(ROOT, 'bench/results'));
  const inflightRebootMs = quick ? 3000 : 60_000;
  return {
    quick,
    only: SCENARIOS.filter((name) => only.includes(name)),
    outDir,
    label,
    beforeFile: resolve(outDir, 'before.json'),
    adminDatabaseUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    durationS: positive('--duration', quick ? 2 : 3),
    rounds: quick ? 1 : 5,
    warmupS: quick ? 0.5 : 2,
    connections: positive('--connections', 32),
    nodeStatusCacheMs: 2000,
    pipelineJobs: quick ? 48 : 2000,
    pipelineRebootMs: 0,
    pipelinePollIntervalMs: 250,
    pipelineWarmupJobs: quick ? 8 : 100,
    pipelineRounds: quick ? 1 : 2,
    workerCounts: [1, 2, 4],
    inflight: {
      clusters: quick ? 8 : 100,
      nodesPerCluster: quick ? 6 : 20,
      rebootMs: inflightRebootMs,
      pollIntervalMs: 1000,
      concurrency: 16,
      callsPerSecondPerCluster: 20,
      workerCounts: [1, 4],
      // Time for every reboot a few times over: a worker that holds a slot per reboot does not get through them.
      capS: positive('--inflight-cap', quick ? 30 : (4 * inflightRebootMs) / 1000),
    },
  };
}
