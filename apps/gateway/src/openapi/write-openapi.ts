// `npm run openapi`: writes docs/openapi.json from the gateway's controllers and DTOs without Postgres or Redis
// (Nest's preview mode resolves the modules but instantiates no provider, so nothing connects).
// `npm run openapi -- --check` (CI) fails when the committed file differs from what the code generates.
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadGatewayConfig } from '../gateway.config';
import { GatewayModule } from '../gateway.module';
import { buildOpenApiDocument, DOCUMENT_SERVER } from './openapi.document';

const FILE = resolve(__dirname, '../../../../docs/openapi.json');

async function main(check: boolean): Promise<number> {
  // Placeholders: the document names no address of the config (its server is DOCUMENT_SERVER).
  const config = loadGatewayConfig({
    DATABASE_URL: 'postgres://unused@localhost/unused',
    PUBLIC_URL: 'https://self-service.example.com',
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const text = `${JSON.stringify(buildOpenApiDocument(app, config, DOCUMENT_SERVER), null, 2)}\n`;
  await app.close();
  if (!check) {
    writeFileSync(FILE, text);
    process.stdout.write('wrote docs/openapi.json\n');
    return 0;
  }
  const committed = readFileSync(FILE, 'utf8');
  if (committed === text) return 0;
  process.stderr.write('docs/openapi.json differs from what the code generates: run npm run openapi and commit it\n');
  return 1;
}

main(process.argv.includes('--check')).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`openapi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
