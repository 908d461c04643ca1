import 'reflect-metadata';
import { loadConfigOrExit } from '@oshift/config';
import { createWorkerApp } from './worker.app';
import { loadWorkerConfig } from './worker.config';
import { boundShutdown } from './shutdown-bound';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadWorkerConfig());
  boundShutdown(config.worker.shutdownGraceMs);
  await createWorkerApp(config);
  process.stdout.write(
    `${JSON.stringify({ level: 'log', context: 'Worker', message: 'consuming reboot jobs', concurrency: config.worker.concurrency })}\n`,
  );
}

void main();
