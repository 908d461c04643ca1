import { loadavg } from 'node:os';
import type { BenchSystem, RebootTarget } from './bench-system';

/** Reboot jobs through the whole pipeline (gateway 202 → queue → worker → Nova → `Done`) with N workers. */
export interface PipelineResult {
  workers: number;
  /** The workers' settings: WORKER_CONCURRENCY and POLL_INTERVAL_MS; how long the simulator's reboots took. */
  concurrency: number;
  pollIntervalMs: number;
  rebootMs: number;
  jobs: number;
  done: number;
  failed: number;
  /** From the first request sent to the last 202 received (the gateway's share of the time). */
  submitSeconds: number;
  /** From the first request sent to the last job ended. */
  seconds: number;
  jobsPerSec: number;
  /** Mean time from a job's creation (202) to its end. */
  meanJobMs: number;
  /** 1-minute load average of the machine when the measured batch started and when it ended. */
  loadAverage: { start: number; end: number };
}

/** How the pipeline's workers run and how long the simulator's reboots take (0: they end as soon as sent). */
export interface PipelineSettings {
  concurrency: number;
  pollIntervalMs: number;
  rebootMs: number;
}

const SUBMITTERS = 32;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `workers` worker processes, warms them up with an unmeasured batch (JIT, pools, Keystone tokens of
 * every cluster), then sends one reboot per target through the gateway and waits for every job to end.
 */
export async function runPipeline(
  system: BenchSystem,
  workers: number,
  targets: readonly RebootTarget[],
  warmupJobs: number,
  settings: PipelineSettings,
): Promise<PipelineResult> {
  system.resetCloud({ rebootDurationMs: settings.rebootMs });
  await system.startWorkers(workers, {
    WORKER_CONCURRENCY: String(settings.concurrency),
    POLL_INTERVAL_MS: String(settings.pollIntervalMs),
  });
  try {
    const deadline = () => Date.now() + 600_000;
    if (warmupJobs > 0) {
      const warmup = await submit(system, targets.slice(0, warmupJobs));
      await untilEnded(system, warmup, deadline(), `pipeline warm-up with ${workers} workers`);
    }
    const loadAtStart = loadavg()[0];
    const startedAt = Date.now();
    const ids = await submit(system, targets);
    const submitSeconds = (Date.now() - startedAt) / 1000;
    const row = await untilEnded(system, ids, deadline(), `pipeline with ${workers} workers`);
    const seconds = ((row.last ?? Date.now()) - startedAt) / 1000;
    return {
      workers,
      ...settings,
      jobs: ids.length,
      done: row.done,
      failed: row.failed,
      submitSeconds,
      seconds,
      jobsPerSec: ids.length / seconds,
      meanJobMs: row.mean ?? 0,
      loadAverage: { start: round2(loadAtStart), end: round2(loadavg()[0]) },
    };
  } finally {
    await system.stopWorkers();
  }
}

/** Where a batch of jobs stands. */
export interface Ended {
  ended: number;
  done: number;
  failed: number;
  /** When the last one ended (ms since the epoch). */
  last: number | null;
  /** Mean creation → end of those that ended, ms. */
  mean: number | null;
}

/** How many of these jobs have ended, and how. */
export async function endedOf(system: BenchSystem, ids: readonly string[]): Promise<Ended> {
  const [row]: Ended[] = await system.dataSource.query(
    `SELECT count(*) FILTER (WHERE state IN ('done', 'failed'))::int AS ended,
            count(*) FILTER (WHERE state = 'done')::int AS done,
            count(*) FILTER (WHERE state = 'failed')::int AS failed,
            (extract(epoch FROM max(finished_at)) * 1000)::float8 AS last,
            (avg(extract(epoch FROM finished_at - created_at)) * 1000)::float8 AS mean
       FROM jobs WHERE id = ANY($1)`,
    [ids],
  );
  return row;
}

async function untilEnded(system: BenchSystem, ids: string[], deadline: number, what: string): Promise<Ended> {
  for (;;) {
    const row = await endedOf(system, ids);
    if (row.ended === ids.length) return row;
    if (Date.now() > deadline) throw new Error(`${what}: ${row.ended}/${ids.length} jobs ended`);
    await sleep(25);
  }
}

/** Sends one reboot per target through the gateway (HTTP Basic, 32 at a time); the job ids of the 202s. */
export async function submit(system: BenchSystem, targets: readonly RebootTarget[]): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const submitter = async () => {
    while (next < targets.length) {
      const { clusterId, nodename } = targets[next++];
      const response = await fetch(`${system.gatewayUrl}/api/openshift/${clusterId}/reboot`, {
        method: 'POST',
        headers: { authorization: system.operator.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ target: nodename }),
      });
      const body = (await response.json()) as { job_id?: string };
      if (response.status !== 202 || !body.job_id)
        throw new Error(`reboot of ${nodename} answered ${response.status} ${JSON.stringify(body)}`);
      ids.push(body.job_id);
    }
  };
  await Promise.all(Array.from({ length: SUBMITTERS }, submitter));
  return ids;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
