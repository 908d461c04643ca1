import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { InflightResult } from './inflight';
import type { LoadResult } from './load';
import type { PipelineResult } from './pipeline';
import type { StreamResult } from './stream';

/** Issue 22's ceilings: a worker's RSS with 2,000 reboots in flight, its CPU per 1,000, the gateway's RSS under streams. */
const WORKER_RSS_MB = 200;
const CORES_PER_THOUSAND = 0.2;
const GATEWAY_RSS_MB = 150;

/** One measured HTTP load: which call, against which server. */
export interface HttpCase extends LoadResult {
  endpoint: 'nodestatus' | 'job poll' | 'reboot';
  subject: 'gateway' | 'gateway without auth' | 'baseline' | 'gateway ×2 replicas';
}

/** Nova list calls while a nodestatus load ran, against the cache periods it lasted (per period begun). */
export interface NovaCalls {
  case: string;
  clusters: number;
  calls: number;
  periods: number;
  callsPerClusterPerPeriod: number;
}

/** A figure checked against its target (on this machine). */
export interface TargetCheck {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

/** The figures of an earlier run (the worker before a change) that a report shows beside its own. */
export interface BeforeResults {
  label: string;
  generatedAt: string;
  commit: string;
  mode: 'quick' | 'full';
  loadAverage: { start: number; end: number };
  pipeline: PipelineResult[];
  inflight: InflightResult[];
}

export interface BenchResults {
  generatedAt: string;
  mode: 'quick' | 'full';
  /** `latest`, or the name given with `--label` (e.g. `before`). */
  label: string;
  /** The commit the measured code was at (`+changes` when the work tree had uncommitted changes). */
  commit: string;
  /** The scenarios run (`--only`). */
  scenarios: string[];
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    platform: string;
    /** 1-minute load average when the run started and ended: other work on the machine skews the figures. */
    loadAverage: { start: number; end: number };
  };
  settings: Record<string, unknown>;
  http: HttpCase[];
  novaListCalls: NovaCalls[];
  pipeline: PipelineResult[];
  stream: StreamResult[];
  inflight: InflightResult[];
  targets: TargetCheck[];
  /** An earlier run's pipeline and in-flight figures, shown beside these. */
  before?: BeforeResults;
}

/** What a later report shows of this run beside its own figures. */
export function asBefore(results: BenchResults): BeforeResults {
  return {
    label: results.label,
    generatedAt: results.generatedAt,
    commit: results.commit,
    mode: results.mode,
    loadAverage: results.machine.loadAverage,
    pipeline: results.pipeline,
    inflight: results.inflight,
  };
}

export function machine(loadAtStart: number): BenchResults['machine'] {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: { start: round(loadAtStart, 2), end: round(loadavg()[0], 2) },
  };
}

/** The checks the issues set, from the measured figures (of the scenarios that ran). */
export function checkTargets(
  http: HttpCase[],
  nova: NovaCalls[],
  pipeline: PipelineResult[],
  stream: StreamResult[],
  inflight: InflightResult[] = [],
  cores = availableParallelism(),
): TargetCheck[] {
  const rate = (endpoint: HttpCase['endpoint'], subject: HttpCase['subject']) =>
    http.find((each) => each.endpoint === endpoint && each.subject === subject)?.reqPerSec ?? 0;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const checks: TargetCheck[] = [];
  const atLeast = (name: string, value: number, floor: number) =>
    checks.push({ name, value: round(value, 3), target: `≥ ${floor}`, met: value >= floor });
  const atMost = (name: string, value: number, ceiling: number) =>
    checks.push({ name, value: round(value, 3), target: `≤ ${ceiling}`, met: value <= ceiling });
  if (http.length > 0) {
    atLeast(
      'nodestatus: gateway / baseline',
      ratio(rate('nodestatus', 'gateway'), rate('nodestatus', 'baseline')),
      0.7,
    );
    atLeast('job poll: gateway / baseline', ratio(rate('job poll', 'gateway'), rate('job poll', 'baseline')), 0.9);
    atLeast(
      'reboot: gateway / baseline (one INSERT + enqueue)',
      ratio(rate('reboot', 'gateway'), rate('reboot', 'baseline')),
      0.8,
    );
    atLeast(
      'nodestatus: authenticated / without auth',
      ratio(rate('nodestatus', 'gateway'), rate('nodestatus', 'gateway without auth')),
      0.95,
    );
  }
  for (const each of nova) {
    checks.push({
      name: `Nova list calls per cluster per cache period (${each.case})`,
      value: round(each.callsPerClusterPerPeriod, 3),
      target: '≤ 1',
      met: each.callsPerClusterPerPeriod <= 1,
    });
  }
  const [fewest, most] = [stream[0], stream.at(-1)];
  if (fewest && most) {
    checks.push({
      name: `event stream: line delivery p99 ms, ${most.followers} followers`,
      value: most.p99Ms,
      target: '≤ 100',
      met: most.p99Ms <= 100 && most.missed === 0,
    });
    checks.push({
      name: `event stream: the gateway's Postgres reads/s, ${most.followers} minus ${fewest.followers} followers`,
      value: round(most.gatewayStreamReadsPerSec - fewest.gatewayStreamReadsPerSec, 2),
      target: 'the same (≤ 0.5/s more)',
      met: most.gatewayStreamReadsPerSec - fewest.gatewayStreamReadsPerSec <= 0.5,
    });
    atMost(
      `event stream: the gateway's RSS MB, ${most.followers} followers`,
      Math.max(...stream.map((each) => each.gatewayRssMb)),
      GATEWAY_RSS_MB,
    );
  }
  const ran = pipeline.filter((each) => each.subject !== 'baseline');
  if (ran.length > 0) {
    // Rising with workers as long as there are cores for them: past that, the parts take turns on the same cores.
    const scaling = ran.filter((each, i) => i === 0 || each.workers <= cores);
    const rates = scaling.map((each) => each.jobsPerSec);
    checks.push({
      name: `pipeline jobs/s rising with workers up to the ${cores} cores (${scaling.map((each) => each.workers).join(', ')})`,
      value: round(rates[rates.length - 1] / (rates[0] || 1), 3),
      target: 'each count faster than the one before',
      met: rates.every((value, i) => i === 0 || value > rates[i - 1]),
    });
    for (const each of ran) {
      const yardstick = pipeline.find((other) => other.subject === 'baseline' && other.workers === each.workers);
      if (yardstick)
        atLeast(
          `pipeline jobs/s / baseline's, ${each.workers} worker${each.workers === 1 ? '' : 's'} × ${each.concurrency} slots`,
          ratio(each.jobsPerSec, yardstick.jobsPerSec),
          0.5,
        );
    }
  }
  for (const each of inflight) {
    const who = `in flight, ${setup(each)}`;
    checks.push({
      name: `${who}: reboots Done, each server rebooted exactly once`,
      value: each.done,
      target: `${each.reboots} of ${each.reboots}`,
      met: each.done === each.reboots && each.servers.once === each.reboots,
    });
    atMost(`${who}: Nova list calls per cluster per poll interval`, each.nova.listCallsPerClusterPerPoll, 1);
    atMost(`${who}: RSS MB, the largest worker's peak`, Math.max(0, ...each.rssMb.peakPerWorker), WORKER_RSS_MB);
    if (each.cpu.coresPerThousandInFlight !== null)
      atMost(`${who}: CPU cores per 1,000 reboots in flight`, each.cpu.coresPerThousandInFlight, CORES_PER_THOUSAND);
    atMost(`${who}: ACTIVE → Done p99 ms (one poll interval)`, each.activeToDoneMs.p99, each.pollIntervalMs);
  }
  return checks;
}

/** The settings a figure was measured with: `4 workers × 16 slots, poll 1000 ms`. */
function setup(each: Pick<InflightResult, 'workers' | 'concurrency' | 'pollIntervalMs'>): string {
  return `${each.workers} worker${each.workers === 1 ? '' : 's'} × ${each.concurrency} slots, poll ${each.pollIntervalMs} ms`;
}

/** The results as Markdown: what the console shows and `latest.md` holds. */
export function toMarkdown(results: BenchResults): string {
  const { machine: m } = results;
  const title = results.label === 'latest' ? results.mode : `${results.mode}, ${results.label}`;
  const lines = [
    `# Benchmark results (${title} run)`,
    '',
    `${results.generatedAt} · commit ${results.commit} · ${m.cpus} × ${m.cpuModel} · ${m.memoryGb} GB · ` +
      `Node ${m.node} · ${m.platform} · load average ${m.loadAverage.start} at start, ${m.loadAverage.end} at end`,
    '',
  ];
  const section = (heading: string, ...body: string[]) => lines.push(`## ${heading}`, '', ...body, '');
  if (results.http.length > 0) {
    section(
      'HTTP',
      table(
        ['call', 'server', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'answers'],
        results.http.map((each) => {
          const baseline = results.http.find(
            (other) => other.endpoint === each.endpoint && other.subject === 'baseline',
          );
          const vs = baseline && each.subject !== 'baseline' ? (each.reqPerSec / baseline.reqPerSec).toFixed(2) : '';
          return [
            each.endpoint,
            each.subject,
            each.reqPerSec.toFixed(0),
            each.p50Ms.toFixed(1),
            each.p99Ms.toFixed(1),
            vs,
            answers(each),
          ];
        }),
      ),
    );
  }
  if (results.novaListCalls.length > 0) {
    section(
      'Nova list calls during nodestatus loads',
      table(
        ['load', 'clusters', 'list calls', 'cache periods', 'per cluster per period begun'],
        results.novaListCalls.map((each) =>
          [each.case, each.clusters, each.calls, each.periods.toFixed(1), each.callsPerClusterPerPeriod.toFixed(2)].map(
            String,
          ),
        ),
      ),
    );
  }
  if (results.pipeline.length > 0) section('Reboot pipeline (202 → Done)', pipelineTable(results.pipeline));
  if (results.inflight.length > 0) {
    const [first] = results.inflight;
    section(
      `Reboots in flight (${first.reboots} reboots of ${first.rebootMs / 1000} s across ${first.clusters} clusters, ` +
        `through the gateway)`,
      ...inflightTables(results.inflight),
    );
  }
  if (results.stream.length > 0) {
    section(
      'Event stream (followers of running jobs, one gateway)',
      table(
        [
          'followers',
          'jobs followed / running',
          'deliveries',
          'missed',
          'p50 ms',
          'p99 ms',
          'max ms',
          'gateway Postgres reads/s',
          'all Postgres transactions/s (writer’s)',
          'gateway RSS MB',
        ],
        results.stream.map((each) => [
          String(each.followers),
          `${each.followedJobs} / ${each.runningJobs}`,
          String(each.deliveries),
          String(each.missed),
          String(each.p50Ms),
          String(each.p99Ms),
          String(each.maxMs),
          each.gatewayStreamReadsPerSec.toFixed(2),
          `${each.postgresQueriesPerSec.toFixed(1)} (${each.writerQueriesPerSec.toFixed(1)})`,
          String(each.gatewayRssMb),
        ]),
      ),
    );
  }
  const { before } = results;
  if (before && (before.inflight.length > 0 || before.pipeline.length > 0)) {
    section(
      'Before and after',
      `Before: the ${before.mode} run \`${before.label}\` of ${before.generatedAt}, commit ${before.commit}, load ` +
        `average ${before.loadAverage.start} at start, ${before.loadAverage.end} at end. After: this run.`,
      '',
      beforeAfterTable(before, results),
    );
  }
  section(
    'Targets',
    table(
      ['check', 'value', 'target', 'met'],
      results.targets.map((each) => [each.name, String(each.value), each.target, each.met ? 'yes' : 'NO']),
    ),
  );
  section('Settings', ...Object.entries(results.settings).map(([key, value]) => `- ${key}: ${JSON.stringify(value)}`));
  return lines.join('\n');
}

function pipelineTable(pipeline: PipelineResult[]): string {
  const baselineOf = (each: PipelineResult) =>
    pipeline.find((other) => other.subject === 'baseline' && other.workers === each.workers);
  const coreParts = [...new Set(pipeline.flatMap((each) => Object.keys(each.cores ?? {})))];
  return table(
    [
      'subject',
      'workers × slots',
      'poll ms',
      'reboot ms',
      'jobs',
      'done',
      'failed',
      'all 202s s',
      'seconds',
      'jobs/s',
      'vs baseline',
      'mean 202→Done ms',
      'load avg',
      ...(coreParts.length > 0 ? [`cores: ${coreParts.join(' / ')}`, 'CPU ms per job, the same parts'] : []),
    ],
    pipeline.map((each) => {
      const yardstick = each.subject === 'baseline' ? undefined : baselineOf(each);
      return [
        each.subject ?? 'system',
        `${each.workers} × ${each.concurrency}`,
        String(each.pollIntervalMs),
        String(each.rebootMs),
        String(each.jobs),
        String(each.done),
        String(each.failed),
        each.submitSeconds.toFixed(2),
        each.seconds.toFixed(2),
        each.jobsPerSec.toFixed(1),
        yardstick ? (each.jobsPerSec / yardstick.jobsPerSec).toFixed(2) : '',
        each.meanJobMs.toFixed(0),
        `${each.loadAverage.start} → ${each.loadAverage.end}`,
        ...(coreParts.length > 0
          ? [
              coreParts.map((part) => String(each.cores?.[part] ?? '—')).join(' / '),
              coreParts
                .map((part) => {
                  const cores = each.cores?.[part];
                  return cores === undefined ? '—' : ((cores * each.seconds * 1000) / each.jobs).toFixed(1);
                })
                .join(' / '),
            ]
          : []),
      ];
    }),
  );
}

function inflightTables(inflight: InflightResult[]): string[] {
  const who = (each: InflightResult) => `${each.workers} × ${each.concurrency}, poll ${each.pollIntervalMs} ms`;
  const outcome = table(
    [
      'workers × slots',
      'done / failed / not ended',
      'servers rebooted once / more / never',
      'all 202s s',
      'to last end s',
      'in flight peak (mean)',
      'ACTIVE→Done p50 / p99 / max ms',
      'load avg',
    ],
    inflight.map((each) => [
      who(each),
      `${each.done} / ${each.failed} / ${each.unfinished}`,
      `${each.servers.once} / ${each.servers.more} / ${each.servers.never}`,
      each.submitSeconds.toFixed(1),
      `${each.seconds.toFixed(1)}${each.unfinished > 0 ? ` (cap ${each.capS})` : ''}`,
      `${each.inFlight.peak} (${each.inFlight.mean})`,
      `${each.activeToDoneMs.p50} / ${each.activeToDoneMs.p99} / ${each.activeToDoneMs.max}`,
      `${each.loadAverage.start} → ${each.loadAverage.end}`,
    ]),
  );
  const costs = table(
    [
      'workers × slots',
      'list calls per cluster per poll',
      'GET server calls per cluster per poll (per reboot sent)',
      'RSS peak MB per worker (sum; VmHWM)',
      'CPU cores (per worker)',
      'CPU cores per 1,000 in flight',
    ],
    inflight.map((each) => [
      who(each),
      `${each.nova.listCallsPerClusterPerPoll} (${each.nova.listCalls} calls)`,
      `${each.nova.showCallsPerClusterPerPoll} (${each.nova.showCallsPerReboot})`,
      `${each.rssMb.peakPerWorker.join(', ')} (${each.rssMb.peakSum}; ${each.rssMb.hwmPerWorker.join(', ')})`,
      `${each.cpu.cores} (${each.cpu.perWorker.join(', ')})`,
      each.cpu.coresPerThousandInFlight === null ? '' : String(each.cpu.coresPerThousandInFlight),
    ]),
  );
  return [outcome, '', costs];
}

/** The pipeline's and the in-flight case's main figures, the earlier run's beside this one's, with their targets. */
function beforeAfterTable(before: BeforeResults, after: BenchResults): string {
  const rows: string[][] = [];
  const counts = (list: { workers: number }[]) => list.map((each) => each.workers);
  for (const workers of [...new Set([...counts(before.inflight), ...counts(after.inflight)])]) {
    const [was, now] = [before.inflight, after.inflight].map((list) => list.find((each) => each.workers === workers));
    const row = (figure: string, show: (each: InflightResult) => string, target: string) =>
      rows.push([
        `in flight, ${workers} worker${workers === 1 ? '' : 's'}: ${figure}`,
        was ? `${show(was)} (${was.concurrency} slots)` : '—',
        now ? `${show(now)} (${now.concurrency} slots)` : '—',
        target,
      ]);
    row(
      'Done of reboots sent (not ended at the cap)',
      (each) => `${each.done} / ${each.reboots} (${each.unfinished})`,
      'all',
    );
    row('servers rebooted exactly once', (each) => String(each.servers.once), 'all');
    row('reboots in flight, mean', (each) => String(each.inFlight.mean), '');
    row('Nova list calls per cluster per poll', (each) => String(each.nova.listCallsPerClusterPerPoll), '≤ 1.0');
    row('Nova GET server calls per reboot sent', (each) => String(each.nova.showCallsPerReboot), '');
    row(
      'worker RSS peak MB, largest (sum)',
      (each) => `${Math.max(0, ...each.rssMb.peakPerWorker)} (${each.rssMb.peakSum})`,
      `≤ ${WORKER_RSS_MB}`,
    );
    row(
      'CPU cores per 1,000 in flight',
      (each) => String(each.cpu.coresPerThousandInFlight ?? ''),
      `≤ ${CORES_PER_THOUSAND}`,
    );
    row(
      'ACTIVE → Done p50 / p99 ms',
      (each) => `${each.activeToDoneMs.p50} / ${each.activeToDoneMs.p99}`,
      '≤ one poll interval',
    );
  }
  const ran = (list: PipelineResult[]) => list.filter((each) => each.subject !== 'baseline');
  for (const workers of [...new Set([...counts(ran(before.pipeline)), ...counts(ran(after.pipeline))])]) {
    const [was, now] = [before.pipeline, after.pipeline].map((list) =>
      ran(list).find((each) => each.workers === workers),
    );
    const show = (each?: PipelineResult) =>
      each ? `${each.jobsPerSec.toFixed(1)} (${each.concurrency} slots, reboot ${each.rebootMs} ms)` : '—';
    rows.push([
      `pipeline jobs/s, ${workers} worker${workers === 1 ? '' : 's'}`,
      show(was),
      show(now),
      "≥ 0.5 of the baseline's, rising up to the cores",
    ]);
  }
  return table(['figure', 'before', 'after', 'target'], rows);
}

/** Writes `<label>.json` and `<label>.md` (each through a `.tmp` file, so a reader never sees half of one). */
export function writeResults(outDir: string, results: BenchResults): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    [`${results.label}.json`, `${JSON.stringify(results, null, 2)}\n`],
    [`${results.label}.md`, toMarkdown(results)],
  ];
  return files.map(([name, content]) => {
    const path = join(outDir, name);
    writeFileSync(`${path}.tmp`, content);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}

function answers(result: LoadResult): string {
  const parts = Object.entries(result.statuses).map(([status, count]) => `${status}: ${count}`);
  if (result.errors) parts.push(`errors: ${result.errors}`);
  if (result.timeouts) parts.push(`timeouts: ${result.timeouts}`);
  return parts.join(', ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
