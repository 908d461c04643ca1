import './gateway.tracing';
import 'reflect-metadata';
import { loadConfigOrExit } from '@oshift/config';
import { ProcessLogger } from '@oshift/observability';
import { traceFields } from '@oshift/telemetry';
import { createGatewayApp } from './gateway.app';
import { loadGatewayConfig } from './gateway.config';
import { MetricsServer } from './metrics/metrics.server';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadGatewayConfig());
  const logger = new ProcessLogger({
    service: 'gateway',
    level: config.logLevel,
    traceFields: traceFields(config.telemetry),
  });
  const app = await createGatewayApp(config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.announce('Gateway', 'listening', { url: await app.getUrl(), metrics: app.get(MetricsServer).url });
}

main().catch((error: unknown) => {
  // One line, no stack: e.g. the port is taken.
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
