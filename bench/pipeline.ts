import type { BenchSystem, RebootTarget } from './bench-system';

/** Reboot jobs through the whole pipeline (gateway 202 → queue → worker → Nova → `Done`) with N workers. */
export interface PipelineResult {
  workers: number;
  jobs: number;
  done: number;
  failed: number;
  /** From the first request sent to the last job ended. */
  seconds: number;
  jobsPerSec: number;
  /** Mean time from a job's creation (202) to its end. */
  meanJobMs: number;
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
): Promise<PipelineResult> {
  await system.startWorkers(workers);
  try {
    if (warmupJobs > 0) await untilEnded(system, await submit(system, targets.slice(0, warmupJobs)), workers);
    const startedAt = Date.now();
    const ids = await submit(system, targets);
    const row = await untilEnded(system, ids, workers);
    const seconds = ((row.last ?? Date.now()) - startedAt) / 1000;
    return {
      workers,
      jobs: ids.length,
      done: row.done,
      failed: row.failed,
      seconds,
      jobsPerSec: ids.length / seconds,
      meanJobMs: row.mean ?? 0,
    };
  } finally {
    await system.stopWorkers();
  }
}

interface Ended {
  ended: number;
  done: number;
  failed: number;
  /** When the last one ended (ms since the epoch). */
  last: number | null;
  /** Mean creation → end, ms. */
  mean: number | null;
}

async function untilEnded(system: BenchSystem, ids: string[], workers: number): Promise<Ended> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const [row]: Ended[] = await system.dataSource.query(
      `SELECT count(*) FILTER (WHERE state IN ('done', 'failed'))::int AS ended,
              count(*) FILTER (WHERE state = 'done')::int AS done,
              count(*) FILTER (WHERE state = 'failed')::int AS failed,
              (extract(epoch FROM max(finished_at)) * 1000)::float8 AS last,
              (avg(extract(epoch FROM finished_at - created_at)) * 1000)::float8 AS mean
         FROM jobs WHERE id = ANY($1)`,
      [ids],
    );
    if (row.ended === ids.length) return row;
    if (Date.now() > deadline)
      throw new Error(`pipeline with ${workers} workers: ${row.ended}/${ids.length} jobs ended`);
    await sleep(25);
  }
}

async function submit(system: BenchSystem, targets: readonly RebootTarget[]): Promise<string[]> {
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
