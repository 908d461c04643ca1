import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from './report';

/** One query's latency at one scale. */
export interface HistoryCase {
  name: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

/** What `npm run bench:history` measured: each query at both scales, and the plans at the large one. */
export interface HistoryResults {
  generatedAt: string;
  machine: BenchResults['machine'];
  scales: Record<
    'large' | 'small',
    { jobs: number; linesPerJob: number; activeJobs: number; generateS: number | null }
  >;
  cases: { name: string; small: HistoryCase; large: HistoryCase; ratioP99: number }[];
  plans: { name: string; plan: string[] }[];
}

/** The target: p99 at the large scale within twice the small scale's. */
export const HISTORY_RATIO_TARGET = 2;

export function historyMarkdown(results: HistoryResults): string {
  const { large, small } = results.scales;
  const made = (scale: HistoryResults['scales']['large']) =>
    scale.generateS === null ? 'reused' : `made in ${Math.round(scale.generateS)} s`;
  return [
    `# Hot and retention queries on a long history`,
    '',
    `${results.generatedAt}, ${results.machine.cpus} × ${results.machine.cpuModel}, load ${results.machine.loadAverage.start} → ${results.machine.loadAverage.end}.`,
    `Large: ${large.jobs} jobs, ${large.jobs * large.linesPerJob} lines (${made(large)}); small: ${small.jobs} jobs, ${small.jobs * small.linesPerJob} lines (${made(small)}); ${large.activeJobs} active jobs in both.`,
    '',
    `| query | p50 small (ms) | p99 small (ms) | p50 large (ms) | p99 large (ms) | p99 large / small (target ≤ ${HISTORY_RATIO_TARGET}) |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...results.cases.map(
      (each) =>
        `| ${each.name} | ${each.small.p50Ms} | ${each.small.p99Ms} | ${each.large.p50Ms} | ${each.large.p99Ms} | ${each.ratioP99}${each.ratioP99 <= HISTORY_RATIO_TARGET ? '' : ' (missed)'} |`,
    ),
    '',
    `## Plans at ${large.jobs} jobs (EXPLAIN ANALYZE)`,
    '',
    ...results.plans.flatMap(({ name, plan }) => [`${name}:`, '', '```', ...plan, '```', '']),
  ].join('\n');
}

/** Writes `history.json` and `history.md` into `outDir`; answers their paths. */
export function writeHistoryResults(outDir: string, results: HistoryResults): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    ['history.json', `${JSON.stringify(results, null, 2)}\n`],
    ['history.md', historyMarkdown(results)],
  ];
  return files.map(([name, content]) => {
    const path = join(outDir, name);
    writeFileSync(`${path}.tmp`, content);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}
