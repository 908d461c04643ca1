import { loadavg } from 'node:os';
import { Queue } from 'bullmq';
import { REBOOT_QUEUE } from '@oshift/jobs';
import type { InflightConfig } from './bench.config';
import type { BenchSystem, FleetTarget } from './bench-system';
import { endedOf, submit } from './pipeline';
import { percentile, ProcessWatch } from './proc-stats';

/**
 * Many long reboots in flight at once: one reboot of every worker node of the fleet, sent through the gateway,
 * on N workers with their default slots. What the workers cost while they wait on Nova, what Nova sees of them,
 * and how soon each job says `Done` after its server came back.
 */
export interface InflightResult {
  /** The settings of this figure: worker processes, WORKER_CONCURRENCY, POLL_INTERVAL_MS, OPENSTACK_CALLS_PER_SECOND. */
  workers: number;
  concurrency: number;
  pollIntervalMs: number;
  callsPerSecondPerCluster: number;
  /** How long each simulated reboot took, over how many clusters, and the most the run waited. */
  rebootMs: number;
  clusters: number;
  capS: number;
  reboots: number;
  done: number;
  failed: number;
  /** Jobs that had not ended when the cap was reached. */
  unfinished: number;
  /** From the first request to the last 202; from the first request to the last job's end (or the cap). */
  submitSeconds: number;
  seconds: number;
  /**
   * Target servers by the reboots Nova accepted for them (the simulator's per-server counters), and all the reboots
   * Nova accepted (a reboot still running at the cap counts).
   */
  servers: { once: number; more: number; never: number; rebootsAccepted: number };
  /** Reboots in flight at Nova (servers in a reboot task state), sampled every second over the window. */
  inFlight: { peak: number; mean: number };
  /**
   * Nova calls of the fleet's projects over the window (the gateways' node lookups included), per cluster per poll
   * interval (polls = window / POLL_INTERVAL_MS): `servers/detail` list calls (each page) and single-server GETs.
   */
  nova: {
    listCalls: number;
    listCallsPerClusterPerPoll: number;
    showCalls: number;
    showCallsPerClusterPerPoll: number;
    /** Single-server GETs per reboot Nova accepted. */
    showCallsPerReboot: number;
  };
  /** Each worker's resident set: the highest sampled in the window, and its high-water mark (VmHWM, since start). */
  rssMb: { peakPerWorker: number[]; peakSum: number; hwmPerWorker: number[] };
  /** The workers' CPU time over the window (utime + stime), in cores, and per 1,000 reboots in flight (mean). */
  cpu: { cores: number; perWorker: number[]; coresPerThousandInFlight: number | null };
  /** From the moment the simulator turned a server ACTIVE to its job's `Done` line, over the jobs that ended Done. */
  activeToDoneMs: { count: number; p50: number; p99: number; max: number };
  loadAverage: { start: number; end: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `workers` workers with the given settings on a fresh simulated cloud whose reboots take `rebootMs`,
 * sends one reboot per target through the gateway, and watches until every job has ended or the cap is reached.
 * Then stops the workers and ends (as failed) what had not ended, so the next run starts from an empty queue.
 */
export async function runInflight(
  system: BenchSystem,
  workers: number,
  targets: readonly FleetTarget[],
  config: InflightConfig,
): Promise<InflightResult> {
  const { simulator } = system;
  system.resetCloud({ rebootDurationMs: config.rebootMs });
  await system.startWorkers(workers, {
    WORKER_CONCURRENCY: String(config.concurrency),
    POLL_INTERVAL_MS: String(config.pollIntervalMs),
    OPENSTACK_CALLS_PER_SECOND: String(config.callsPerSecondPerCluster),
  });
  const projects = [...new Set(targets.map((target) => target.projectId))];
  const novaCalls = () => {
    const stats = simulator.stats();
    let [list, show, rebooting] = [0, 0, 0];
    for (const id of projects) {
      const project = stats.projects[id];
      list += project.listCalls;
      show += project.showCalls;
      rebooting += Object.values(project.inRebootNow).reduce((sum, n) => sum + n, 0);
    }
    return { list, show, rebooting };
  };
  const inFlight: number[] = [];
  const pids = system.workers.map((worker) => worker.pid).filter((pid): pid is number => pid !== undefined);
  const watch = new ProcessWatch(pids, 1000, () => inFlight.push(novaCalls().rebooting));
  let ids: string[] = [];
  try {
    const before = novaCalls();
    const loadAtStart = loadavg()[0];
    const startedAt = Date.now();
    const capAt = startedAt + config.capS * 1000;
    watch.start();
    ids = await submit(system, targets);
    const submitSeconds = (Date.now() - startedAt) / 1000;
    let ended = await endedOf(system, ids);
    while (ended.ended < ids.length && Date.now() < capAt) {
      await sleep(250);
      ended = await endedOf(system, ids);
    }
    const windowMs = Date.now() - startedAt;
    const usage = watch.stop();
    const after = novaCalls();
    const loadAtEnd = loadavg()[0];

    const polls = windowMs / config.pollIntervalMs;
    const clusters = projects.length;
    const [listCalls, showCalls] = [after.list - before.list, after.show - before.show];
    const cores = usage.map((each) => each.cpuSeconds / (windowMs / 1000));
    const totalCores = cores.reduce((sum, n) => sum + n, 0);
    const meanInFlight = inFlight.reduce((sum, n) => sum + n, 0) / Math.max(1, inFlight.length);
    const mb = (kb: number) => Math.round(kb / 1024);
    const servers = rebootsPerServer(system, targets);
    return {
      workers,
      concurrency: config.concurrency,
      pollIntervalMs: config.pollIntervalMs,
      callsPerSecondPerCluster: config.callsPerSecondPerCluster,
      rebootMs: config.rebootMs,
      clusters,
      capS: config.capS,
      reboots: ids.length,
      done: ended.done,
      failed: ended.failed,
      unfinished: ids.length - ended.ended,
      submitSeconds,
      seconds: ended.ended === ids.length && ended.last !== null ? (ended.last - startedAt) / 1000 : windowMs / 1000,
      servers,
      inFlight: { peak: Math.max(0, ...inFlight), mean: round(meanInFlight, 1) },
      nova: {
        listCalls,
        listCallsPerClusterPerPoll: round(listCalls / clusters / polls, 3),
        showCalls,
        showCallsPerClusterPerPoll: round(showCalls / clusters / polls, 3),
        showCallsPerReboot: round(showCalls / Math.max(1, servers.rebootsAccepted), 2),
      },
      rssMb: {
        peakPerWorker: usage.map((each) => mb(each.peakRssKb)),
        peakSum: mb(watch.peakSumKb),
        hwmPerWorker: usage.map((each) => mb(each.hwmKb)),
      },
      cpu: {
        cores: round(totalCores, 3),
        perWorker: cores.map((n) => round(n, 3)),
        coresPerThousandInFlight: meanInFlight > 0 ? round(totalCores / (meanInFlight / 1000), 3) : null,
      },
      activeToDoneMs: await activeToDone(system, ids, targets),
      loadAverage: { start: round(loadAtStart, 2), end: round(loadAtEnd, 2) },
    };
  } finally {
    watch.stop();
    await system.stopWorkers();
    await endLeftovers(system, ids);
  }
}

/** Each target server by the reboots Nova accepted for it in this run. */
function rebootsPerServer(system: BenchSystem, targets: readonly FleetTarget[]): InflightResult['servers'] {
  const servers = { once: 0, more: 0, never: 0, rebootsAccepted: 0 };
  for (const { nodename, projectId } of targets) {
    const { accepted } = system.simulator.reboots(nodename, projectId);
    const count = accepted.SOFT + accepted.HARD;
    servers.rebootsAccepted += count;
    if (count === 1) servers.once += 1;
    else if (count === 0) servers.never += 1;
    else servers.more += 1;
  }
  return servers;
}

/** ACTIVE (the end of the server's last reboot, by the simulator) to the job's `Done` line, for the jobs done. */
async function activeToDone(
  system: BenchSystem,
  ids: readonly string[],
  targets: readonly FleetTarget[],
): Promise<InflightResult['activeToDoneMs']> {
  const projectOf = new Map(targets.map((target) => [`${target.clusterId} ${target.nodename}`, target.projectId]));
  const rows: { cluster_id: string; target: string; done_at: number }[] = await system.dataSource.query(
    `SELECT j.cluster_id, j.target,
            (extract(epoch FROM COALESCE(l.created_at, j.finished_at)) * 1000)::float8 AS done_at
       FROM jobs j LEFT JOIN job_lines l ON l.job_id = j.id AND l.line = 'Done'
      WHERE j.id = ANY($1) AND j.state = 'done'`,
    [ids],
  );
  const delays: number[] = [];
  for (const row of rows) {
    const projectId = projectOf.get(`${row.cluster_id} ${row.target}`);
    const activeAt = projectId && system.simulator.server(row.target, projectId).lastRebootPeriod?.end;
    if (typeof activeAt === 'number') delays.push(Math.round(row.done_at - activeAt));
  }
  return {
    count: delays.length,
    p50: percentile(delays, 0.5),
    p99: percentile(delays, 0.99),
    max: Math.max(0, ...delays),
  };
}

/** Ends the jobs of the run that had not ended (the workers are stopped) and empties the queue for the next run. */
async function endLeftovers(system: BenchSystem, ids: readonly string[]): Promise<void> {
  await system.dataSource.query(
    `UPDATE jobs SET state = 'failed', errors = 'not ended within the benchmark''s time', finished_at = now()
      WHERE id = ANY($1) AND state NOT IN ('done', 'failed')`,
    [ids],
  );
  const queue = new Queue(REBOOT_QUEUE, { connection: { url: system.redisUrl }, prefix: system.redisPrefix });
  await queue.obliterate({ force: true });
  await queue.close();
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
