import { ConsoleLogger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { nestLogLevels } from '@oshift/config';
import type { WorkerConfig } from './worker.config';
import { WorkerModule } from './worker.module';

/** Builds the worker: a Nest application context, no HTTP server. */
export async function createWorkerApp(config: WorkerConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new ConsoleLogger({ json: true, logLevels: nestLogLevels(config.logLevel) }),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  return app;
}
