import './worker.tracing';
import 'reflect-metadata';
import { loadConfigOrExit } from '@oshift/config';
import { ProcessLogger } from '@oshift/observability';
import { traceFields } from '@oshift/telemetry';
import { createWorkerApp } from './worker.app';
import { loadWorkerConfig } from './worker.config';
import { WorkerHttpServer } from './worker-http.server';
import { boundShutdown } from './shutdown-bound';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadWorkerConfig());
  boundShutdown(config.worker.shutdownGraceMs);
  const logger = new ProcessLogger({
    service: 'worker',
    level: config.logLevel,
    traceFields: traceFields(config.telemetry),
  });
  const app = await createWorkerApp(config, logger);
  logger.announce('Worker', 'consuming reboot jobs', {
    concurrency: config.worker.concurrency,
    http: app.get(WorkerHttpServer).url,
  });
}

main().catch((error: unknown) => {
  // One line, no stack: e.g. the health and metrics port is taken.
  process.stderr.write(`worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
