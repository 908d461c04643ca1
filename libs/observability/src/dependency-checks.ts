import type { MetricsRegistry } from './metrics-registry';
import { withinTimeout } from './within-timeout';

/** A dependency check: resolves when the dependency answers, rejects (or hangs) when not. */
export type DependencyCheck = () => Promise<unknown>;

/** How each dependency answers now: `up`, or `down` when its check failed or took longer than `timeoutMs`. */
export async function checkDependencies(
  checks: Record<string, DependencyCheck>,
  timeoutMs = 2000,
): Promise<Record<string, 'up' | 'down'>> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((name) => withinTimeout(checks[name](), timeoutMs)));
  return Object.fromEntries(names.map((name, i) => [name, results[i].status === 'fulfilled' ? 'up' : 'down']));
}

/**
 * `oshift_dependency_up{dependency}`: 1 when the dependency answers its check at scrape time, else 0. Readiness
 * does not depend on them, so this gauge (and its alert) is where their trouble shows.
 */
export function exportDependencyGauge(
  metrics: MetricsRegistry,
  checks: Record<string, DependencyCheck>,
  timeoutMs = 2000,
): void {
  metrics.gauge({
    name: 'oshift_dependency_up',
    help: 'Whether a dependency (postgres, redis) answered its check when scraped',
    labelNames: ['dependency'],
    async collect() {
      const states = await checkDependencies(checks, timeoutMs);
      for (const [dependency, state] of Object.entries(states)) this.set({ dependency }, state === 'up' ? 1 : 0);
    },
  });
}
