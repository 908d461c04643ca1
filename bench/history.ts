/**
 * `npm run bench:history [-- --jobs 1000000 --small 10000 --lines-per-job 50 --samples 1000 --rounds 3 --reuse]`: the hot
 * and retention queries on a database of years of history. Makes two databases of their own (never the tests'):
 * `oshift_history_<jobs>` and `oshift_history_<small>` (see history-data.ts; `--reuse` keeps one already made),
 * prints each query's plan (EXPLAIN ANALYZE) on the large one, then measures each query's p50/p99 on both through
 * the application's own classes (the SQL the gateway and worker run), in rounds taking turns (the median of
 * each round's p99), and writes `bench/results/history.json`
 * and `history.md` with the ratio large/small (target ≤ 2). BENCH_DATABASE_URL names the server (its `postgres`
 * database).
 */
import 'reflect-metadata';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AccessRepository, accessEntities } from '@oshift/access';
import {
  AUDIT_BATCH_SQL,
  ETA_SQL,
  JOBS_BATCH_SQL,
  OLDEST_KEPT_SQL,
  JobLeases,
  JobRetention,
  JobViews,
  jobEntities,
} from '@oshift/jobs';
import { ClusterRepository, nodeRegistryEntities } from '@oshift/node-registry';
import { dataSourceOptions, migrate } from '@oshift/persistence';
import { ACTIVE_JOBS, BENCH_USER, CLUSTERS, generateHistory, type HistoryScale } from './history-data';
import { machine } from './report';
import { writeHistoryResults, type HistoryCase, type HistoryResults } from './history-report';

const RETENTION_BATCH = 500;
const RETENTION_DAYS = 90;
/** Polls and lists look at the newest jobs: the same working set whatever the history's length. */
const RECENT = 10_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function urlOf(database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The database of that scale, made (or kept with --reuse); answers its URL and how long making it took. */
async function prepare(scale: HistoryScale): Promise<{ url: string; generateS: number | null }> {
  const database = `oshift_history_${scale.jobs}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [database])).rowCount;
    if (exists && process.argv.includes('--reuse')) return { url: urlOf(database), generateS: null };
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = urlOf(database);
  await migrate({ url });
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    say(`${database}: ${scale.jobs} jobs, ${scale.jobs * scale.linesPerJob} lines`);
    return { url, generateS: await generateHistory(client, scale, say) };
  } finally {
    await client.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timed(samples: number, run: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(50, samples); i++) await run(i);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const at = process.hrtime.bigint();
    await run(i);
    times.push(Number(process.hrtime.bigint() - at) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Each measured query: what it is, how many samples, and one run of it (i: the sample's number). */
type Query = [name: string, samples: number, run: (i: number) => Promise<unknown>];

async function queries(dataSource: DataSource, jobs: number, samples: number): Promise<Query[]> {
  const access = new AccessRepository(dataSource);
  const clusters = new ClusterRepository(dataSource);
  const views = new JobViews(dataSource);
  const leases = new JobLeases(dataSource);
  const retention = new JobRetention(dataSource);
  const recent = Math.min(RECENT, jobs);
  // Spread over the newest jobs by a fixed stride, the same sequence on both databases.
  const jobOf = (i: number) => {
    const n = jobs - ((i * 7919) % recent);
    return { id: `h${String(n).padStart(8, '0')}`, cluster: `c${(n % CLUSTERS) + 1}.example.test` };
  };
  const cutoff = new Date(Date.now() - RETENTION_DAYS * 86_400_000);
  return [
    [
      'nodestatus: user, grants, cluster',
      samples,
      async (i) => {
        const user = await access.findUserByUsername(BENCH_USER);
        await access.grantsOf(user!.id);
        await clusters.find(jobOf(i).cluster);
      },
    ],
    ['job poll (since line 40)', samples, (i) => views.linesSince(jobOf(i).cluster, jobOf(i).id, 40)],
    ['job detail (all lines)', samples, (i) => views.detail(jobOf(i).cluster, jobOf(i).id)],
    ['jobs list (50, first page)', samples, (i) => views.list(jobOf(i).cluster, { limit: 50 })],
    [
      'jobs list (50, second page)',
      samples,
      async (i) => {
        const first = await views.list(jobOf(i).cluster, { limit: 50 });
        return views.list(jobOf(i).cluster, { limit: 50, before: first.next ?? undefined });
      },
    ],
    ['reconciler page (200)', samples, () => leases.findActiveOlderThan(60_000, 200)],
    ['retention: oldest kept', samples, () => retention.oldestKept()],
    [
      `retention batch (${RETENTION_BATCH} jobs, rolled back)`,
      Math.max(20, Math.round(samples / 20)),
      () => rolledBack(dataSource, JOBS_BATCH_SQL, [cutoff, RETENTION_BATCH]),
    ],
  ];
}

/** Runs a batch in a transaction that is rolled back: the next sample finds the same rows to delete. */
async function rolledBack(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    await runner.query(sql, parameters);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

const EXPLAINED: [string, string, (jobs: number) => unknown[]][] = [
  [
    'nodestatus: the user, their grants',
    `SELECT g.cluster_id, g.role FROM users u JOIN grants g ON g.user_id = u.id WHERE u.username = $1 ORDER BY g.cluster_id, g.role`,
    () => [BENCH_USER],
  ],
  [
    'job poll',
    `SELECT (SELECT json_agg(l.line ORDER BY l.seq) FROM job_lines l WHERE l.job_id = j.id AND l.seq > 40) FROM jobs j WHERE j.id = $1 AND j.cluster_id = $2`,
    (jobs) => [`h${String(jobs).padStart(8, '0')}`, `c${(jobs % CLUSTERS) + 1}.example.test`],
  ],
  [
    'jobs list',
    `SELECT j.id FROM jobs j WHERE j.cluster_id = $1 ORDER BY j.created_at DESC, j.id DESC LIMIT 51`,
    () => ['c7.example.test'],
  ],
  [
    'reconciler page',
    `SELECT id FROM jobs WHERE state IN ('queued', 'running') AND created_at < now() - interval '60 seconds' AND (lease_until IS NULL OR lease_until < now()) AND reboot_attempted_at IS NULL ORDER BY COALESCE(deadline_at, 'infinity'), id LIMIT 200`,
    () => [],
  ],
  [
    'ETAs of a jobs list page (its running reboots)',
    ETA_SQL,
    // One job of a node with history and two running reboots of nodes without, all of cluster c8.
    (jobs) => [
      `c${((jobs - 93) % CLUSTERS) + 1}.example.test`,
      [`h${String(jobs - 93).padStart(8, '0')}`, 'a00000007', 'a00000107'],
    ],
  ],
  ['retention: oldest kept', OLDEST_KEPT_SQL, () => []],
  ['retention batch', JOBS_BATCH_SQL, () => [new Date(Date.now() - RETENTION_DAYS * 86_400_000), RETENTION_BATCH]],
  ['audit retention batch', AUDIT_BATCH_SQL, () => [new Date(Date.now() - 365 * 86_400_000), RETENTION_BATCH]],
];

/** Each query's plan, run and rolled back (the batches delete). */
async function explain(url: string, jobs: number): Promise<{ name: string; plan: string[] }[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const plans = [];
    for (const [name, sql, parameters] of EXPLAINED) {
      await client.query(`BEGIN`);
      await client.query(`SELECT set_config('oshift.retention', 'prune', true)`);
      const { rows } = await client.query(`EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) ${sql}`, parameters(jobs));
      await client.query(`ROLLBACK`);
      plans.push({ name, plan: rows.map((row: Record<string, string>) => row['QUERY PLAN']) });
    }
    return plans;
  } finally {
    await client.end();
  }
}

/** One round: every query on one database; answers each query's p50 and p99. */
async function measure(url: string, jobs: number, samples: number): Promise<HistoryCase[]> {
  const dataSource = new DataSource(
    dataSourceOptions({ url, poolSize: 2 }, [...accessEntities, ...jobEntities, ...nodeRegistryEntities]),
  );
  await dataSource.initialize();
  try {
    const cases: HistoryCase[] = [];
    for (const [name, count, run] of await queries(dataSource, jobs, samples)) {
      const { p50, p99 } = await timed(count, run);
      cases.push({ name, samples: count, p50Ms: round(p50), p99Ms: round(p99) });
    }
    return cases;
  } finally {
    await dataSource.destroy();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * `rounds` rounds, the two databases taking turns (a burst of load elsewhere on a shared machine falls on one
 * round, not on one scale); each query's figures are the median over rounds of its p50 and p99.
 */
async function measureBoth(
  urls: { small: string; large: string },
  scales: { small: HistoryScale; large: HistoryScale },
  samples: number,
  rounds: number,
): Promise<{ small: HistoryCase[]; large: HistoryCase[] }> {
  const seen: Record<'small' | 'large', HistoryCase[][]> = { small: [], large: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const scale of ['small', 'large'] as const) {
      const cases = await measure(urls[scale], scales[scale].jobs, samples);
      seen[scale].push(cases);
      say(
        `round ${round}, ${scales[scale].jobs} jobs: ${cases.map((each) => `${each.name} p99 ${each.p99Ms} ms`).join('; ')}`,
      );
    }
  }
  const summary = (runs: HistoryCase[][]) =>
    runs[0].map((first, index) => ({
      name: first.name,
      samples: runs.reduce((sum, run) => sum + run[index].samples, 0),
      p50Ms: median(runs.map((run) => run[index].p50Ms)),
      p99Ms: median(runs.map((run) => run[index].p99Ms)),
    }));
  return { small: summary(seen.small), large: summary(seen.large) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0];
  const linesPerJob = option('lines-per-job', 50);
  const large: HistoryScale = { jobs: option('jobs', 1_000_000), linesPerJob };
  const small: HistoryScale = { jobs: option('small', 10_000), linesPerJob };
  const samples = option('samples', 1000);
  const made = { large: await prepare(large), small: await prepare(small) };
  say(`plans at ${large.jobs} jobs:`);
  const plans = await explain(made.large.url, large.jobs);
  for (const { name, plan } of plans) say([`--- ${name}`, ...plan].join('\n'));
  const { small: smallCases, large: largeCases } = await measureBoth(
    { small: made.small.url, large: made.large.url },
    { small, large },
    samples,
    option('rounds', 3),
  );
  const results: HistoryResults = {
    generatedAt: new Date().toISOString(),
    machine: machine(loadAtStart),
    scales: {
      large: { ...large, activeJobs: ACTIVE_JOBS, generateS: made.large.generateS },
      small: { ...small, activeJobs: ACTIVE_JOBS, generateS: made.small.generateS },
    },
    cases: largeCases.map((each, index) => ({
      name: each.name,
      small: smallCases[index],
      large: each,
      ratioP99: round(each.p99Ms / smallCases[index].p99Ms),
    })),
    plans,
  };
  for (const path of writeHistoryResults(resolve(__dirname, 'results'), results)) say(`wrote ${path}`);
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
