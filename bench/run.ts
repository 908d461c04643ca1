/**
 * `npm run bench [-- --quick] [--only http,stream,pipeline,inflight] [--label NAME] [--out DIR]`: starts a private
 * copy of the system (see BenchSystem), measures the gateway's three calls against the bare baseline server,
 * authentication's cost, the node-status cache's Nova calls, event-stream followers, the reboot pipeline with 1, 2
 * and 4 workers, and thousands of long reboots in flight on 1 worker and then 4, then prints a table and writes
 * `bench/results/<label>.json` and `<label>.md` (`latest` unless `--label` says), with the pipeline and in-flight
 * figures of `before.json` beside its own when that file exists.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import { REBOOT_QUEUE } from '@oshift/jobs';
import { loadBenchConfig, type BenchConfig } from './bench.config';
import { BenchSystem, BUILT_WORKER, FLEET_REBOOT_POLICY } from './bench-system';
import { runInflight, type InflightResult } from './inflight';
import { compare, measure, merge, type LoadResult, type LoadSettings, type LoadTarget } from './load';
import { runPipeline, type PipelineResult } from './pipeline';
import { runStreamCase, type StreamResult } from './stream';
import {
  asBefore,
  checkTargets,
  machine,
  toMarkdown,
  writeResults,
  type BeforeResults,
  type BenchResults,
  type HttpCase,
  type NovaCalls,
} from './report';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const loadAtStart = loadavg()[0];
  // Now: the workers are built from the work tree as it is when the run starts.
  const commit = commitOfWorkTree();
  const runs = (scenario: BenchConfig['only'][number]) => config.only.includes(scenario);
  say(
    `bench: ${config.quick ? 'quick' : 'full'} run of ${config.only.join(', ')}, ` +
      `${config.rounds} × ${config.durationS} s per server and call, ${config.connections} connections`,
  );
  const system = await BenchSystem.start(config);
  const interrupted = () => void system.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const http: HttpCase[] = [];
    const nova: NovaCalls[] = [];
    const settings: LoadSettings = {
      durationS: config.durationS,
      rounds: config.rounds,
      warmupS: config.warmupS,
      connections: config.connections,
    };

    if (runs('http')) {
      await nodeStatusCases(system, config, settings, http, nova);
      await jobPollCases(system, settings, http);
      await rebootCases(system, config, settings, http);
    }
    const stream = runs('stream') ? await streamCases(system, config) : [];
    const pipeline = runs('pipeline') ? await pipelineCases(system, config) : [];
    const inflight = runs('inflight') ? await inflightCases(system, config) : [];

    const { inflight: flight } = config;
    const results: BenchResults = {
      generatedAt: new Date().toISOString(),
      mode: config.quick ? 'quick' : 'full',
      label: config.label,
      commit,
      scenarios: config.only,
      machine: machine(loadAtStart),
      settings: {
        ...(runs('http') || runs('stream')
          ? {
              measuredSecondsPerServerAndCall: `${config.rounds} rounds × ${config.durationS} s, servers taking turns`,
              warmupSecondsPerServerAndCall: config.warmupS,
              latencies: 'p50 and p99 are the medians over rounds',
              connections: config.connections,
              nodeStatusCacheMs: config.nodeStatusCacheMs,
              rebootTargets: system.rebootTargets.length,
              rebootCase: 'JSON body, a different node per request; jobs are marked done every 100 ms so nodes free up',
              rebootBaseline: 'one INSERT of the job row (no audit record) and one queue add',
              client: 'autocannon in the orchestrating process; servers are separate Node processes',
            }
          : {}),
        logLevel: 'warn',
        simulator: { latencyMs: 0, rebootDurationMs: 'per case (pipeline and in flight below)' },
        ...(runs('stream')
          ? {
              stream:
                `${STREAM_JOBS} running jobs written one line per second each (the worker's statement and ` +
                `publication), ${config.quick ? 4 : 15} s measured per follower count; latency from the line's ` +
                `commit to a follower parsing it`,
            }
          : {}),
        ...(runs('pipeline') || runs('inflight')
          ? {
              worker:
                `${BUILT_WORKER}, built from the work tree at the start of the run and run by plain Node (as the ` +
                `image runs it)`,
            }
          : {}),
        ...(runs('pipeline')
          ? {
              pipeline:
                `${config.pipelineWarmupJobs} unmeasured jobs (one per fleet cluster), then ${config.pipelineJobs} ` +
                `measured, per worker count; reboots of ${config.pipelineRebootMs} ms; workers: POLL_INTERVAL_MS ` +
                `${config.pipelinePollIntervalMs}, WORKER_CONCURRENCY 16, OPENSTACK_CALLS_PER_SECOND unlimited ` +
                `(1000000); best of ${config.pipelineRounds} round(s), counts taking turns`,
            }
          : {}),
        ...(runs('inflight')
          ? {
              inflight:
                `${flight.clusters} clusters (simulator projects of 2 HAProxy, 3 master, 2 infra and ` +
                `${flight.nodesPerCluster} worker nodes, rules letting every worker node reboot at once: ` +
                `${JSON.stringify(FLEET_REBOOT_POLICY)}), one reboot of each worker node sent through the gateway ` +
                `(32 at a time, HTTP Basic); reboots of ${flight.rebootMs / 1000} s; workers: WORKER_CONCURRENCY ` +
                `${flight.concurrency}, POLL_INTERVAL_MS ${flight.pollIntervalMs}, OPENSTACK_CALLS_PER_SECOND ` +
                `${flight.callsPerSecondPerCluster}; waits at most ${flight.capS} s from the first request`,
              inflightMeasures:
                'window: first request to last job end (or the cap); in flight: servers in a reboot task state, ' +
                "sampled every second; Nova calls: the fleet projects' (gateways included) over the window, per " +
                'cluster per (window / POLL_INTERVAL_MS), GETs also per reboot Nova accepted; RSS: /proc VmRSS ' +
                'sampled every second (VmHWM beside it); CPU: /proc utime + stime over the window; ACTIVE → Done: ' +
                "the end of the server's last reboot in the simulator to the job's Done line",
            }
          : {}),
      },
      http,
      novaListCalls: nova,
      pipeline,
      stream,
      inflight,
      targets: checkTargets(http, nova, pipeline, stream, inflight),
    };
    const before = config.label === 'before' ? undefined : readBefore(config.beforeFile);
    if (before) results.before = before;
    say('');
    say(toMarkdown(results));
    for (const path of writeResults(config.outDir, results)) say(`wrote ${path}`);
  } finally {
    await system.stop();
  }
}

/** The figures of an earlier run saved with `--label before`, when there is one. */
function readBefore(file: string): BeforeResults | undefined {
  if (!existsSync(file)) return undefined;
  return asBefore(JSON.parse(readFileSync(file, 'utf8')) as BenchResults);
}

/** The commit of the code measured, and whether the work tree had changes on top of it. */
function commitOfWorkTree(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: resolve(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    return git('status', '--porcelain', '--untracked-files=no').trim() ? `${commit}+changes` : commit;
  } catch {
    return 'unknown';
  }
}

async function nodeStatusCases(
  system: BenchSystem,
  config: BenchConfig,
  settings: LoadSettings,
  http: HttpCase[],
  nova: NovaCalls[],
): Promise<void> {
  const path = `/api/openshift/${system.statusClusterId}/nodestatus`;
  const headers = { authorization: system.viewer.authorization };
  const target = (base: string): LoadTarget => ({ url: `${base}${path}`, headers });
  await expectStatus(target(system.gatewayUrl), 200);

  // Every Nova list call while the three servers take turns is for this cluster: count them against the periods.
  // The baseline only reads the cache; a trickle of gateway requests keeps the entry fresh meanwhile, as the
  // gateways' own traffic would.
  const counted = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const before = system.simulator.listCalls();
    const startedAt = Date.now();
    const result = await run();
    const periods = (Date.now() - startedAt) / config.nodeStatusCacheMs;
    const calls = system.simulator.listCalls() - before;
    // Per period begun: a load that starts just as the entry expires rightly makes a call at once.
    nova.push({ case: label, clusters: 1, calls, periods, callsPerClusterPerPeriod: calls / Math.ceil(periods) });
    return result;
  };
  const results = await counted('gateway, gateway without auth and baseline taking turns', () =>
    keepingCacheWarm(system, [path], () =>
      compare(
        [
          { subject: 'baseline' as const, target: target(system.baselineUrl) },
          { subject: 'gateway' as const, target: target(system.gatewayUrl) },
          { subject: 'gateway without auth' as const, target: target(system.openGatewayUrl) },
        ],
        settings,
        announce('nodestatus'),
      ),
    ),
  );
  for (const [subject, result] of results) http.push({ endpoint: 'nodestatus', subject, ...result });

  // Two replicas sharing the cache, loaded at once: still about one Nova call per period.
  say('nodestatus: two gateway replicas at once…');
  const rounds = Array.from({ length: settings.rounds }, (_, round) => round);
  const both = await counted('2 gateway replicas loaded at once', async () => {
    const results: LoadResult[] = [];
    for (const _round of rounds) {
      results.push(
        ...(await Promise.all([
          measure(target(system.gatewayUrl), settings),
          measure(target(system.openGatewayUrl), settings),
        ])),
      );
    }
    return results;
  });
  const together: LoadResult[] = [];
  for (let i = 0; i < both.length; i += 2) together.push(merge([both[i], both[i + 1]], true));
  http.push({ endpoint: 'nodestatus', subject: 'gateway ×2 replicas', ...merge(together) });

  // Reboots of names no cluster has, as fast as the gateway answers: each is a 404 from the cached list.
  say('reboot: a burst of unknown targets…');
  const clusterId = system.rebootTargets[0].clusterId;
  let bogus = 0;
  const unknownTarget: LoadTarget = {
    url: `${system.gatewayUrl}/api/openshift/${clusterId}/reboot`,
    method: 'POST',
    headers: { authorization: system.operator.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ target: 'bogus-0.openstacklocal' }),
    next: () => ({
      path: `/api/openshift/${clusterId}/reboot`,
      body: JSON.stringify({ target: `bogus-${++bogus}.openstacklocal` }),
    }),
  };
  await counted('reboots of unknown targets (404), one gateway', () =>
    measure(unknownTarget, { ...settings, rounds: 1 }),
  );
}

async function jobPollCases(system: BenchSystem, settings: LoadSettings, http: HttpCase[]): Promise<void> {
  const path = `/api/openshift/${system.statusClusterId}/job/${system.finishedJobId}`;
  const target = (base: string): LoadTarget => ({
    url: `${base}${path}`,
    headers: { authorization: system.viewer.authorization },
  });
  await expectStatus(target(system.gatewayUrl), 200);
  const results = await compare(
    [
      { subject: 'baseline' as const, target: target(system.baselineUrl) },
      { subject: 'gateway' as const, target: target(system.gatewayUrl) },
      { subject: 'gateway without auth' as const, target: target(system.openGatewayUrl) },
    ],
    settings,
    announce('job poll'),
  );
  for (const [subject, result] of results) http.push({ endpoint: 'job poll', subject, ...result });
}

async function rebootCases(
  system: BenchSystem,
  config: BenchConfig,
  settings: LoadSettings,
  http: HttpCase[],
): Promise<void> {
  const target = (base: string): LoadTarget => system.rebootLoad(base);
  const clusters = [...new Set(system.rebootTargets.map((each) => each.clusterId))];
  const statusPaths = clusters.map((clusterId) => `/api/openshift/${clusterId}/nodestatus`);

  // No worker runs now: free the nodes by ending their queued jobs, as a worker would, every 100 ms.
  const endQueued = () => system.endQueuedJobs();
  const freer = setInterval(() => void endQueued().catch(() => undefined), 100);
  try {
    const results = await keepingCacheWarm(
      system,
      statusPaths,
      () =>
        compare(
          [
            { subject: 'baseline' as const, target: target(system.baselineUrl) },
            { subject: 'gateway' as const, target: target(system.gatewayUrl) },
          ],
          settings,
          announce('reboot'),
        ),
      system.operator.authorization,
    );
    for (const [subject, result] of results) http.push({ endpoint: 'reboot', subject, ...result });
  } finally {
    clearInterval(freer);
  }
  // Requests the load generator abandoned at its deadline may still be committing: let them land, then end them.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await endQueued();
  // The queue holds thousands of messages for jobs that are over: the pipeline starts from an empty one.
  const queue = new Queue(REBOOT_QUEUE, { connection: { url: config.redisUrl }, prefix: system.redisPrefix });
  await queue.obliterate({ force: true });
  await queue.close();
}

const STREAM_JOBS = 100;

/** Event-stream followers of running jobs: 10, then 1,000, on one gateway. */
async function streamCases(system: BenchSystem, config: BenchConfig): Promise<StreamResult[]> {
  const results: StreamResult[] = [];
  for (const followers of [10, 1000]) {
    say(`event stream: ${followers} followers of ${STREAM_JOBS} running jobs…`);
    results.push(
      await runStreamCase(system, config.redisUrl, {
        followers,
        runningJobs: STREAM_JOBS,
        seconds: config.quick ? 4 : 15,
      }),
    );
  }
  return results;
}

/**
 * Each worker count in turn (1 2 4, then 4 2 1, …), the system's workers and then as many baseline consumers
 * (the other way round in the next round); the best round of each count and subject is kept.
 */
async function pipelineCases(system: BenchSystem, config: BenchConfig): Promise<PipelineResult[]> {
  const jobs = system.fleetTargets.slice(0, config.pipelineJobs);
  const settings = {
    concurrency: 16,
    pollIntervalMs: config.pipelinePollIntervalMs,
    rebootMs: config.pipelineRebootMs,
  };
  const best = new Map<string, PipelineResult>();
  for (let round = 0; round < config.pipelineRounds; round++) {
    const forward = round % 2 === 0;
    const order = forward ? config.workerCounts : [...config.workerCounts].reverse();
    for (const workers of order) {
      for (const subject of forward ? (['system', 'baseline'] as const) : (['baseline', 'system'] as const)) {
        const who = subject === 'system' ? 'worker(s)' : 'baseline consumer(s)';
        say(`pipeline: ${jobs.length} reboots with ${workers} ${who}, round ${round + 1}…`);
        const result = await runPipeline(system, workers, jobs, config.pipelineWarmupJobs, settings, subject);
        say(`pipeline: ${result.jobsPerSec.toFixed(1)} jobs/s (load average ${result.loadAverage.end})`);
        const key = `${subject} ${workers}`;
        if (result.jobsPerSec > (best.get(key)?.jobsPerSec ?? 0)) best.set(key, result);
      }
    }
  }
  return (['system', 'baseline'] as const).flatMap((subject) =>
    config.workerCounts.map((workers) => best.get(`${subject} ${workers}`)!),
  );
}

/** One reboot of every worker node of the fleet at once, on each worker count in turn. */
async function inflightCases(system: BenchSystem, config: BenchConfig): Promise<InflightResult[]> {
  const results: InflightResult[] = [];
  for (const workers of config.inflight.workerCounts) {
    say(
      `in flight: ${system.fleetTargets.length} reboots of ${config.inflight.rebootMs / 1000} s with ${workers} ` +
        `worker(s) (at most ${config.inflight.capS} s)…`,
    );
    const result = await runInflight(system, workers, system.fleetTargets, config.inflight);
    say(
      `in flight: ${result.done} done, ${result.unfinished} not ended, in flight mean ${result.inFlight.mean}, ` +
        `load average ${result.loadAverage.end}`,
    );
    results.push(result);
  }
  return results;
}

function announce(endpoint: string): (subject: string, round: number) => void {
  return (subject, round) => say(`${endpoint}: ${subject}, round ${round + 1}…`);
}

/** Runs `work` while asking the gateway for these node lists every 250 ms, so their cache entries stay fresh. */
async function keepingCacheWarm<T>(
  system: BenchSystem,
  paths: string[],
  work: () => Promise<T>,
  authorization = system.viewer.authorization,
): Promise<T> {
  const refresh = () =>
    Promise.all(
      paths.map((path) =>
        fetch(`${system.gatewayUrl}${path}`, { headers: { authorization } }).then((r) => r.arrayBuffer()),
      ),
    );
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => undefined), 250);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

async function expectStatus(target: LoadTarget, status: number): Promise<void> {
  const response = await fetch(target.url, {
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
  });
  const text = await response.text();
  if (response.status !== status)
    throw new Error(`${target.url} answered ${response.status} ${text}, expected ${status}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
