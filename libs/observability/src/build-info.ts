import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MetricsRegistry } from './metrics-registry';

/** The project's version: `version` of the nearest package.json above this file, in the sources and in dist alike. */
function projectVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version);
    if (dirname(dir) === dir) return 'unknown';
  }
}

/**
 * `oshift_build_info{version,revision,node} 1`, Prometheus' usual build-info gauge: which release (package.json's
 * version), which commit (`revision`, from the app's config: BUILD_REVISION, `unknown` when not set) and which
 * Node.js each process runs, so a rollout can be followed pod by pod and series joined on it.
 */
export function registerBuildInfo(metrics: MetricsRegistry, revision: string): void {
  metrics
    .gauge({
      name: 'oshift_build_info',
      help: 'Always 1; the labels say which version and revision of the service, on which Node.js, this process runs',
      labelNames: ['version', 'revision', 'node'],
    })
    .set({ version: projectVersion(), revision, node: process.version }, 1);
}
