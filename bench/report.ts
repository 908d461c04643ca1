import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load';
import type { PipelineResult } from './pipeline';
import type { StreamResult } from './stream';

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

export interface BenchResults {
  generatedAt: string;
  mode: 'quick' | 'full';
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
  targets: TargetCheck[];
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

/** The checks the issue sets, from the measured figures. */
export function checkTargets(
  http: HttpCase[],
  nova: NovaCalls[],
  pipeline: PipelineResult[],
  stream: StreamResult[],
): TargetCheck[] {
  const rate = (endpoint: HttpCase['endpoint'], subject: HttpCase['subject']) =>
    http.find((each) => each.endpoint === endpoint && each.subject === subject)?.reqPerSec ?? 0;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const checks: TargetCheck[] = [];
  const atLeast = (name: string, value: number, floor: number) =>
    checks.push({ name, value: round(value, 3), target: `≥ ${floor}`, met: value >= floor });
  atLeast('nodestatus: gateway / baseline', ratio(rate('nodestatus', 'gateway'), rate('nodestatus', 'baseline')), 0.7);
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
  }
  const rates = pipeline.map((each) => each.jobsPerSec);
  checks.push({
    name: `pipeline jobs/s rising with workers (${pipeline.map((each) => each.workers).join(', ')})`,
    value: round(rates[rates.length - 1] / (rates[0] || 1), 3),
    target: 'each count faster than the one before',
    met: rates.every((value, i) => i === 0 || value > rates[i - 1]),
  });
  return checks;
}

/** The results as Markdown: what the console shows and `latest.md` holds. */
export function toMarkdown(results: BenchResults): string {
  const { machine: m } = results;
  const lines = [
    `# Benchmark results (${results.mode} run)`,
    '',
    `${results.generatedAt} · ${m.cpus} × ${m.cpuModel} · ${m.memoryGb} GB · Node ${m.node} · ${m.platform} · ` +
      `load average ${m.loadAverage.start} at start, ${m.loadAverage.end} at end`,
    '',
    '## HTTP',
    '',
    table(
      ['call', 'server', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'answers'],
      results.http.map((each) => {
        const baseline = results.http.find((other) => other.endpoint === each.endpoint && other.subject === 'baseline');
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
    '',
    '## Nova list calls during nodestatus loads',
    '',
    table(
      ['load', 'clusters', 'list calls', 'cache periods', 'per cluster per period begun'],
      results.novaListCalls.map((each) =>
        [each.case, each.clusters, each.calls, each.periods.toFixed(1), each.callsPerClusterPerPeriod.toFixed(2)].map(
          String,
        ),
      ),
    ),
    '',
    '## Reboot pipeline (202 → Done)',
    '',
    table(
      ['workers', 'jobs', 'done', 'failed', 'seconds', 'jobs/s', 'mean 202→Done ms'],
      results.pipeline.map((each) => [
        String(each.workers),
        String(each.jobs),
        String(each.done),
        String(each.failed),
        each.seconds.toFixed(2),
        each.jobsPerSec.toFixed(1),
        each.meanJobMs.toFixed(0),
      ]),
    ),
    '',
    '## Event stream (followers of running jobs, one gateway)',
    '',
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
    '',
    '## Targets',
    '',
    table(
      ['check', 'value', 'target', 'met'],
      results.targets.map((each) => [each.name, String(each.value), each.target, each.met ? 'yes' : 'NO']),
    ),
    '',
    '## Settings',
    '',
    ...Object.entries(results.settings).map(([key, value]) => `- ${key}: ${JSON.stringify(value)}`),
    '',
  ];
  return lines.join('\n');
}

/** Writes `latest.json` and `latest.md` (each through a `.tmp` file, so a reader never sees half of one). */
export function writeResults(outDir: string, results: BenchResults): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    ['latest.json', `${JSON.stringify(results, null, 2)}\n`],
    ['latest.md', toMarkdown(results)],
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
