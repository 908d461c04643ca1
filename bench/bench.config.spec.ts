import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadBenchConfig } from './bench.config';
import { WORKER_HEAP_CEILING } from './bench-system';

describe('loadBenchConfig', () => {
  it('runs every scenario into latest by default, the in-flight case at full size', () => {
    const config = loadBenchConfig([], {});
    expect(config).toMatchObject({
      only: ['http', 'stream', 'pipeline', 'inflight'],
      label: 'latest',
      pipelineJobs: 2000,
      pipelineRebootMs: 0,
      inflight: {
        clusters: 100,
        nodesPerCluster: 20,
        rebootMs: 60_000,
        pollIntervalMs: 1000,
        concurrency: 16,
        workerCounts: [1, 4],
        capS: 240,
      },
    });
    expect(config.beforeFile).toBe(`${config.outDir}/before.json`);
  });

  it('picks scenarios, a label and a cap; quick runs are small', () => {
    const config = loadBenchConfig(
      ['--quick', '--only', 'inflight,pipeline', '--label', 'before', '--inflight-cap', '90'],
      {},
    );
    expect(config).toMatchObject({
      quick: true,
      only: ['pipeline', 'inflight'],
      label: 'before',
      inflight: { clusters: 8, nodesPerCluster: 6, rebootMs: 3000, capS: 90 },
    });
  });

  it('refuses what it does not know', () => {
    expect(() => loadBenchConfig(['--only', 'http,soak'], {})).toThrow(
      '--only takes http, stream, pipeline, inflight; not soak',
    );
    expect(() => loadBenchConfig(['--label', '../x'], {})).toThrow('--label is a file name');
    expect(() => loadBenchConfig(['--fast'], {})).toThrow(/^unknown option --fast/);
  });
});

describe("the workers' heap ceiling", () => {
  it('is the one the deployments give the worker, so the bench measures the worker as it runs', () => {
    const root = resolve(__dirname, '..');
    const setting = `--enable-source-maps ${WORKER_HEAP_CEILING}`;
    expect(readFileSync(resolve(root, 'deploy/kubernetes/base/worker.yaml'), 'utf8')).toContain(`value: ${setting}\n`);
    expect(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8')).toContain(`NODE_OPTIONS: ${setting}\n`);
  });
});
