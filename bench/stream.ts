import { readFileSync } from 'node:fs';
import { connectRedis } from '@oshift/redis';
import { JobEventPublisher, JobLeases, newJobId, type JobLease } from '@oshift/jobs';
import { EventStreamClient } from '@oshift/testing';
import type { BenchSystem } from './bench-system';

/** Event-stream followers of running jobs on one gateway: delivery latency, Postgres work and memory. */
export interface StreamResult {
  followers: number;
  /** Jobs running, each written one line per second; followers spread over the first `followers` of them. */
  runningJobs: number;
  followedJobs: number;
  linesWritten: number;
  deliveries: number;
  /** Deliveries that should have reached a follower and did not. */
  missed: number;
  /** From the line's commit (the writer's statement returned) to a follower parsing it. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Transactions per second in the benchmark database while streaming (the writer's lines included). */
  postgresQueriesPerSec: number;
  /** Of which the writer's own statements (one per line). */
  writerQueriesPerSec: number;
  /** The gateway's own Postgres reads for its streams (`oshift_job_stream_reads_total`), exact. */
  gatewayStreamReadsPerSec: number;
  gatewayRssMb: number;
}

const WRITER = 'bench-stream-writer';

/**
 * Writes one output line per second to each of `runningJobs` running jobs the way a worker does (the same
 * repository statement, then the same Redis publication) while `followers` event-stream clients follow them
 * on the gateway, and measures what the followers see over `seconds`.
 */
export async function runStreamCase(
  system: BenchSystem,
  redisUrl: string,
  { followers, runningJobs, seconds }: { followers: number; runningJobs: number; seconds: number },
): Promise<StreamResult> {
  const jobs = new JobLeases(system.dataSource);
  const redis = connectRedis(redisUrl, 'commands');
  const publisher = new JobEventPublisher(redis, system.redisPrefix);
  const targets = system.rebootTargets.slice(-runningJobs);
  const ids = targets.map(() => newJobId());
  await system.dataSource.query(
    `INSERT INTO jobs (id, cluster_id, target, state, requested_by, started_at, lease_owner, lease_until)
     SELECT id, cluster_id, target, 'running', 'bench', now(), $4, now() + interval '1 hour'
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, cluster_id, target)`,
    [ids, targets.map((t) => t.clusterId), targets.map((t) => t.nodename), WRITER],
  );
  const leases: JobLease[] = ids.map((jobId) => ({ jobId, owner: WRITER, ttlMs: 3_600_000 }));
  /** Lines committed while measuring: when, and for whom. */
  const committed = new Map<string, { at: number; jobIndex: number }>();
  const followersOf = new Array<number>(runningJobs).fill(0);
  const latencies: number[] = [];
  let measuring = false;
  const clients: EventStreamClient[] = [];
  try {
    for (let i = 0; i < followers; i++) {
      const jobIndex = i % Math.min(followers, runningJobs);
      const { clusterId } = targets[jobIndex]!;
      const client = await EventStreamClient.open(
        `${system.gatewayUrl}/api/openshift/${clusterId}/job/${ids[jobIndex]}`,
        { authorization: system.operator.authorization },
      );
      if (client.status !== 200) throw new Error(`stream answered ${client.status}`);
      client.onEvent = (event) => {
        const line = committed.get(`${ids[jobIndex]}:${event.id}`);
        if (line) latencies.push(Date.now() - line.at);
      };
      followersOf[jobIndex] = (followersOf[jobIndex] ?? 0) + 1;
      clients.push(client);
    }
    // One line per job per second, spread over the second; a second's lines are written in order.
    let written = 0;
    let stop = false;
    const writer = (async () => {
      for (let tick = 0; !stop; tick++) {
        const start = Date.now();
        for (const [index, lease] of leases.entries()) {
          if (stop) break;
          const due = start + (index * 1000) / leases.length;
          if (due > Date.now()) await sleep(due - Date.now());
          const line = await jobs.appendLine(lease, `${targets[index]!.nodename} REBOOT`);
          if (!line) throw new Error('bench writer lost its lease');
          if (measuring) committed.set(`${lease.jobId}:${line.n}`, { at: Date.now(), jobIndex: index });
          publisher.line(lease.jobId, line);
          if (measuring) written += 1;
        }
      }
    })();
    await sleep(2000); // connections settled, JIT warm
    const [commitsBefore, readsBefore] = [await commits(system), await streamReads(system)];
    const startedAt = Date.now();
    measuring = true;
    await sleep(seconds * 1000);
    measuring = false;
    const elapsed = (Date.now() - startedAt) / 1000;
    const [commitsAfter, readsAfter] = [await commits(system), await streamReads(system)];
    const rss = gatewayRssMb(system);
    stop = true;
    await writer;
    await sleep(500); // let the last deliveries land
    const followedJobs = Math.min(followers, runningJobs);
    const expected = [...committed.values()].reduce((sum, line) => sum + (followersOf[line.jobIndex] ?? 0), 0);
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      followers,
      runningJobs,
      followedJobs,
      linesWritten: written,
      deliveries: latencies.length,
      missed: Math.max(0, expected - latencies.length),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: latencies.at(-1) ?? 0,
      // The statement reading the count is not the system's work.
      postgresQueriesPerSec: Math.max(0, commitsAfter - commitsBefore - 1) / elapsed,
      writerQueriesPerSec: written / elapsed,
      gatewayStreamReadsPerSec: (readsAfter - readsBefore) / elapsed,
      gatewayRssMb: rss,
    };
  } finally {
    for (const client of clients) client.close();
    await system.dataSource.query(`UPDATE jobs SET state = 'done', finished_at = now() WHERE id = ANY($1)`, [ids]);
    redis.disconnect();
  }
}

/**
 * Transactions of the benchmark database so far (pg_stat_database). Busy backends report them about every
 * second, so a count lags by up to a second at both ends of a window alike.
 */
async function commits(system: BenchSystem): Promise<number> {
  const [row] = (await system.dataSource.query(
    `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`,
  )) as { n: string }[];
  return Number(row?.n ?? 0);
}

/** The gateway's stream reads of Postgres so far, from its metrics. */
async function streamReads(system: BenchSystem): Promise<number> {
  const text = await (await fetch(`${system.gatewayUrl}/metrics`)).text();
  return [...text.matchAll(/^oshift_job_stream_reads_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

function gatewayRssMb(system: BenchSystem): number {
  const pid = system.gatewayProcess?.pid;
  if (!pid) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
