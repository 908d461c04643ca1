import { loadavg } from 'node:os';
import type { BenchSystem, RebootTarget } from './bench-system';
import { CoreShares, pidsNamed, round2 } from './proc-stats';

/**
 * Reboot jobs through the whole pipeline (gateway 202 → queue → worker → Nova → `Done`) with N workers; or, as
 * `baseline`, through the least work that gives the same answer (the baseline server's INSERT and queue add,
 * then N bench/baseline-consumer.ts processes writing each job's end in one statement).
 */
export interface PipelineResult {
  /** Absent in results written before the baseline was measured: `system`. */
  subject?: 'system' | 'baseline';
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
  /**
   * Cores each part used over the measured batch: the HTTP server (gateway or baseline server), the workers (or
   * baseline consumers), this process (the simulator and the load), Postgres, Redis, and the machine.
   */
  cores?: Record<string, number>;
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
 * Starts `workers` worker processes (or baseline consumers), warms them up with an unmeasured batch (JIT, pools,
 * Keystone tokens of every cluster), then sends one reboot per target through the gateway (or the baseline
 * server) and waits for every job to end.
 */
export async function runPipeline(
  system: BenchSystem,
  workers: number,
  targets: readonly RebootTarget[],
  warmupJobs: number,
  settings: PipelineSettings,
  subject: 'system' | 'baseline' = 'system',
  /** Called just before the measured batch is sent and just after its last job ended, workers still running. */
  around?: (moment: 'start' | 'end') => Promise<void>,
): Promise<PipelineResult> {
  system.resetCloud({ rebootDurationMs: settings.rebootMs });
  if (subject === 'baseline') {
    await system.startBaselineConsumers(workers, settings.concurrency);
    await fillNodeLists(system, targets);
  } else {
    await system.startWorkers(workers, {
      WORKER_CONCURRENCY: String(settings.concurrency),
      POLL_INTERVAL_MS: String(settings.pollIntervalMs),
    });
  }
  const url = subject === 'baseline' ? system.baselineUrl : system.gatewayUrl;
  const server = subject === 'baseline' ? system.baselineProcess : system.gatewayProcess;
  try {
    const deadline = () => Date.now() + 600_000;
    if (warmupJobs > 0) {
      const warmup = await submit(system, targets.slice(0, warmupJobs), url);
      await untilEnded(system, warmup, deadline(), `pipeline warm-up with ${workers} workers`);
    }
    const shares = new CoreShares({
      server: () => (server?.pid ? [server.pid] : []),
      workers: () => system.workers.flatMap((worker) => (worker.pid ? [worker.pid] : [])),
      'bench (simulator, load)': () => [process.pid],
      postgres: () => pidsNamed('postgres'),
      redis: () => pidsNamed('redis-server'),
    });
    await around?.('start');
    const loadAtStart = loadavg()[0];
    shares.start();
    const startedAt = Date.now();
    const ids = await submit(system, targets, url);
    const submitSeconds = (Date.now() - startedAt) / 1000;
    const row = await untilEnded(system, ids, deadline(), `pipeline with ${workers} workers`);
    const seconds = ((row.last ?? Date.now()) - startedAt) / 1000;
    const cores = shares.stop();
    await around?.('end');
    return {
      subject,
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
      cores,
    };
  } finally {
    await system.stopWorkers();
  }
}

/**
 * Has the baseline server hold the node list of each cluster of `targets`: the gateway puts it in the shared cache
 * (whose entries live a cache period), and the baseline server's `nodestatus` reads it from there at once and then
 * keeps it, as it does once a cluster's list has been read.
 */
async function fillNodeLists(system: BenchSystem, targets: readonly RebootTarget[]): Promise<void> {
  const clusters = [...new Set(targets.map((target) => target.clusterId))];
  const read = async (base: string, clusterId: string) => {
    const response = await fetch(`${base}/api/openshift/${clusterId}/nodestatus`, {
      headers: { authorization: system.operator.authorization },
    });
    await response.arrayBuffer();
    return response.status;
  };
  // The gateway may answer from an entry about to expire (a worker's listing of the run before), or time out while
  // many clusters are listed at once (503): then both are asked again, a little later.
  const fill = async (clusterId: string) => {
    for (let attempt = 1; ; attempt++) {
      const [gateway, baseline] = [await read(system.gatewayUrl, clusterId), await read(system.baselineUrl, clusterId)];
      if (gateway === 200 && baseline === 200) return;
      if (attempt === 5) throw new Error(`node list of ${clusterId}: gateway ${gateway}, baseline server ${baseline}`);
      await sleep(250 * attempt);
    }
  };
  // A few clusters at a time, each read by the baseline server right after the gateway put it in the cache.
  let next = 0;
  const filler = async () => {
    while (next < clusters.length) await fill(clusters[next++]);
  };
  await Promise.all(Array.from({ length: 8 }, filler));
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

/** Sends one reboot per target to `url`, the gateway unless it says (HTTP Basic, 32 at a time); the 202s' job ids. */
export async function submit(
  system: BenchSystem,
  targets: readonly RebootTarget[],
  url = system.gatewayUrl,
): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const submitter = async () => {
    while (next < targets.length) {
      const { clusterId, nodename } = targets[next++];
      const response = await fetch(`${url}/api/openshift/${clusterId}/reboot`, {
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
