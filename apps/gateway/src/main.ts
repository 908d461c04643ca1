import 'reflect-metadata';
import { loadConfigOrExit } from '@oshift/config';
import { ProcessLogger } from '@oshift/observability';
import { createGatewayApp } from './gateway.app';
import { loadGatewayConfig } from './gateway.config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadGatewayConfig());
  const logger = new ProcessLogger({ service: 'gateway', level: config.logLevel });
  const app = await createGatewayApp(config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.announce('Gateway', 'listening', { url: await app.getUrl() });
}

void main();
