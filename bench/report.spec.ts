import type { InflightResult } from './inflight';
import type { PipelineResult } from './pipeline';
import { asBefore, checkTargets, toMarkdown, type BenchResults } from './report';

const inflight = (workers: number, change: Partial<InflightResult> = {}): InflightResult => ({
  workers,
  concurrency: 16,
  pollIntervalMs: 1000,
  callsPerSecondPerCluster: 20,
  rebootMs: 60_000,
  clusters: 100,
  capS: 240,
  reboots: 2000,
  done: 2000,
  failed: 0,
  unfinished: 0,
  submitSeconds: 5,
  seconds: 70,
  servers: { once: 2000, more: 0, never: 0, rebootsAccepted: 2000 },
  inFlight: { peak: 2000, mean: 1600 },
  nova: {
    listCalls: 7000,
    listCallsPerClusterPerPoll: 1,
    showCalls: 0,
    showCallsPerClusterPerPoll: 0,
    showCallsPerReboot: 0,
  },
  rssMb: { peakPerWorker: Array(workers).fill(150), peakSum: 150 * workers, hwmPerWorker: Array(workers).fill(160) },
  cpu: { cores: 0.2, perWorker: Array(workers).fill(0.2 / workers), coresPerThousandInFlight: 0.125 },
  activeToDoneMs: { count: 2000, p50: 400, p99: 990, max: 1200 },
  loadAverage: { start: 1, end: 2 },
  ...change,
});

const pipeline = (workers: number, jobsPerSec: number, subject?: 'baseline'): PipelineResult => ({
  subject,
  workers,
  concurrency: 16,
  pollIntervalMs: 250,
  rebootMs: 0,
  jobs: 2000,
  done: 2000,
  failed: 0,
  submitSeconds: 4,
  seconds: 2000 / jobsPerSec,
  jobsPerSec,
  meanJobMs: 500,
  loadAverage: { start: 1, end: 2 },
});

const results = (label: string, flight: InflightResult[], pipe: PipelineResult[]): BenchResults => ({
  generatedAt: '2026-12-01T00:00:00.000Z',
  mode: 'full',
  label,
  commit: 'abc1234',
  scenarios: ['pipeline', 'inflight'],
  machine: {
    cpus: 2,
    cpuModel: 'test',
    memoryGb: 24,
    node: 'v20',
    platform: 'linux-x64',
    loadAverage: { start: 1, end: 2 },
  },
  settings: {},
  http: [],
  novaListCalls: [],
  pipeline: pipe,
  stream: [],
  inflight: flight,
  targets: checkTargets([], [], pipe, [], flight),
});

describe('the in-flight and pipeline targets', () => {
  it('checks each in-flight figure against its target, with the settings in its name', () => {
    const slow = inflight(1, {
      done: 64,
      unfinished: 1936,
      servers: { once: 64, more: 0, never: 1936, rebootsAccepted: 64 },
      cpu: { cores: 0.4, perWorker: [0.4], coresPerThousandInFlight: 25 },
      activeToDoneMs: { count: 64, p50: 500, p99: 1400, max: 1500 },
    });
    const runs = [pipeline(1, 100), pipeline(2, 150), pipeline(4, 120)];
    const yardsticks = [pipeline(1, 180, 'baseline'), pipeline(2, 320, 'baseline'), pipeline(4, 230, 'baseline')];
    const checks = checkTargets([], [], [...runs, ...yardsticks], [], [slow], 2);
    const met = Object.fromEntries(checks.map((each) => [each.name, each.met]));
    expect(met).toEqual({
      // 4 workers on 2 cores are not held to rising; each count is held to half of its baseline.
      'pipeline jobs/s rising with workers up to the 2 cores (1, 2)': true,
      "pipeline jobs/s / baseline's, 1 worker × 16 slots": true,
      "pipeline jobs/s / baseline's, 2 workers × 16 slots": false,
      "pipeline jobs/s / baseline's, 4 workers × 16 slots": true,
      'in flight, 1 worker × 16 slots, poll 1000 ms: reboots Done, each server rebooted exactly once': false,
      'in flight, 1 worker × 16 slots, poll 1000 ms: Nova list calls per cluster per poll interval': true,
      "in flight, 1 worker × 16 slots, poll 1000 ms: RSS MB, the largest worker's peak": true,
      'in flight, 1 worker × 16 slots, poll 1000 ms: CPU cores per 1,000 reboots in flight': false,
      'in flight, 1 worker × 16 slots, poll 1000 ms: ACTIVE → Done p99 ms (one poll interval)': false,
    });
  });
});

describe('the report', () => {
  it('shows the in-flight tables and an earlier run beside this one', () => {
    const before = results('before', [inflight(1, { done: 64, unfinished: 1936 }), inflight(4)], [pipeline(4, 40)]);
    const measured = [pipeline(4, 600), pipeline(4, 1000, 'baseline')];
    const after = { ...results('latest', [inflight(1), inflight(4)], measured), before: asBefore(before) };
    const markdown = toMarkdown(after);
    expect(markdown).toMatch(/^# Benchmark results \(full run\)\n\n2026-12-01T00:00:00.000Z · commit abc1234 · /);
    expect(markdown).toContain('## Reboots in flight (2000 reboots of 60 s across 100 clusters, through the gateway)');
    expect(markdown).not.toContain('## HTTP');
    const row = (figure: string) => markdown.split('\n').find((line) => line.startsWith(`| ${figure}`));
    expect(row('in flight, 1 worker: Done of reboots sent (not ended at the cap)')).toMatch(
      /\| 64 \/ 2000 \(1936\) \(16 slots\) +\| 2000 \/ 2000 \(0\) \(16 slots\) +\| all +\|$/,
    );
    expect(row('pipeline jobs/s, 4 workers')).toMatch(
      /\| 40\.0 \(16 slots, reboot 0 ms\) +\| 600\.0 \(16 slots, reboot 0 ms\) +\| ≥ 0\.5 of the baseline's, rising up to the cores +\|$/,
    );
    // The pipeline's table: each run beside its yardstick, and the baseline's own row.
    expect(row('system   | 4 × 16')).toMatch(/\| 3\.33 +\| 600\.0 +\| 0\.60 +\|/);
    expect(row('baseline | 4 × 16')).toMatch(/\| 2\.00 +\| 1000\.0 +\| +\|/);
    expect(markdown).toContain('Before: the full run `before` of 2026-12-01T00:00:00.000Z, commit abc1234');
    expect(toMarkdown(before)).toMatch(/^# Benchmark results \(full, before run\)/);
  });
});
