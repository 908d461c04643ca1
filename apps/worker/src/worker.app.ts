import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ProcessLogger } from '@oshift/observability';
import type { WorkerConfig } from './worker.config';
import { WorkerModule } from './worker.module';

/** Builds the worker: a Nest application context; its only HTTP server is for health and metrics. */
export async function createWorkerApp(
  config: WorkerConfig,
  logger = new ProcessLogger({ service: 'worker', level: config.logLevel }),
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: logger.forNest(),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  return app;
}
