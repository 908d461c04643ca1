import autocannon from 'autocannon';

/** One HTTP request shape to hammer; `next`, when given, picks the path and body of every request. */
export interface LoadTarget {
  /** Origin and path, e.g. `http://127.0.0.1:8080/api/openshift/x/nodestatus`. */
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  next?: () => { path: string; body: string };
}

export interface LoadSettings {
  /** Seconds of one measured round. */
  durationS: number;
  /** Rounds per subject in a comparison (interleaved, so drifting machine load hits every subject alike). */
  rounds: number;
  warmupS: number;
  connections: number;
}

/** What one measured run gave. */
export interface LoadResult {
  requests: number;
  durationS: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

/** Loads the target for the warm-up time, unmeasured (JIT, connection pools, credential and node caches). */
export async function warmUp(target: LoadTarget, settings: LoadSettings): Promise<void> {
  if (settings.warmupS > 0) await run(target, settings.connections, settings.warmupS);
}

/** Loads the target for one measured round. */
export function measure(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  return run(target, settings.connections, settings.durationS);
}

/**
 * Measures several subjects answering the same call: each is warmed up, then they take turns for
 * `rounds` rounds (A B C, C B A, A B C, …). Per subject: requests per second over all its rounds, and the
 * median over rounds of p50 and p99.
 */
export async function compare<S extends string>(
  subjects: { subject: S; target: LoadTarget }[],
  settings: LoadSettings,
  onRound?: (subject: S, round: number) => void,
): Promise<Map<S, LoadResult>> {
  for (const { target } of subjects) await warmUp(target, settings);
  const rounds = new Map<S, LoadResult[]>(subjects.map(({ subject }) => [subject, []]));
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const { subject, target } of order) {
      onRound?.(subject, round);
      rounds.get(subject)!.push(await measure(target, settings));
    }
  }
  return new Map([...rounds].map(([subject, results]) => [subject, merge(results)]));
}

/** One result for several runs of one subject (run one after the other, or side by side with `sideBySide`). */
export function merge(results: LoadResult[], sideBySide = false): LoadResult {
  const statuses: Record<string, number> = {};
  for (const result of results)
    for (const [status, count] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  const durationS = sideBySide
    ? Math.max(...results.map((result) => result.durationS))
    : results.reduce((sum, result) => sum + result.durationS, 0);
  return {
    requests,
    durationS,
    reqPerSec: requests / durationS,
    p50Ms: median(results.map((result) => result.p50Ms)),
    p99Ms: median(results.map((result) => result.p99Ms)),
    statuses,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    timeouts: results.reduce((sum, result) => sum + result.timeouts, 0),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function run(target: LoadTarget, connections: number, durationS: number): Promise<LoadResult> {
  const { next } = target;
  const result = await autocannon({
    url: target.url,
    connections,
    duration: durationS,
    timeout: 10,
    requests: [
      {
        method: target.method ?? 'GET',
        headers: target.headers,
        body: target.body,
        ...(next ? { setupRequest: (request: autocannon.Request) => ({ ...request, ...next() }) } : {}),
      },
    ],
  });
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]),
  );
  const requests = Object.values(statuses).reduce((sum, count) => sum + count, 0);
  return {
    requests,
    durationS: result.duration,
    reqPerSec: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
