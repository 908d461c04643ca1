import 'reflect-metadata';
import { loadConfigOrExit } from '@oshift/config';
import { createGatewayApp } from './gateway.app';
import { loadGatewayConfig } from './gateway.config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadGatewayConfig());
  const app = await createGatewayApp(config);
  await app.listen(config.http.port, config.http.host);
  process.stdout.write(
    `${JSON.stringify({ level: 'log', context: 'Gateway', message: 'listening', url: await app.getUrl() })}\n`,
  );
}

void main();
