import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { GatewayConfig } from '../gateway.config';
import { SECURITY } from './api-docs.decorators';
import { BOUNDARY_DESCRIPTION, documentBoundary } from './boundary.api-docs';

/** Where the document is served (public, like the health checks). */
export const OPENAPI_PATH = '/openapi.json';

/**
 * The server the committed document (docs/openapi.json) names: `/`, wherever the document is served from, since
 * each operator publishes the service at an address of their own (the served copy names it: PUBLIC_URL).
 */
export const DOCUMENT_SERVER = { url: '/', description: 'The service, where its operator publishes it (PUBLIC_URL)' };

/**
 * The OpenAPI 3.0 document of the gateway, generated from its controllers, DTOs and validation schemas; its
 * server is `server` (by default the service's PUBLIC_URL).
 */
export function buildOpenApiDocument(
  app: NestFastifyApplication,
  config: GatewayConfig,
  server: { url: string; description?: string } = { url: config.http.publicUrl },
): OpenAPIObject {
  const { version, license } = packageManifest();
  const builder = new DocumentBuilder()
    .setTitle('OpenShift self-service API')
    .setDescription(
      'See and reboot the VMs of a managed OpenShift cluster. Every answer is JSON, errors included ' +
        `(\`{"error": "…"}\`). ${BOUNDARY_DESCRIPTION}`,
    )
    .setVersion(version)
    .addServer(server.url, server.description)
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'A user of this service' }, SECURITY.basic)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: undefined, description: 'An SSO access token' },
      SECURITY.bearer,
    );
  const settings = builder.build();
  // An UNLICENSED package grants no licence: the API is proprietary (a licence without a URL, which Nest's
  // setLicense would write as an empty one).
  settings.info.license = { name: license === 'UNLICENSED' ? 'Proprietary' : license };
  return documentBoundary(SwaggerModule.createDocument(app, settings));
}

/** Serves {@link buildOpenApiDocument} as `GET /openapi.json`; built now, so a broken document fails the start. */
export function serveOpenApiDocument(app: NestFastifyApplication, config: GatewayConfig): void {
  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup('openapi', app, document, { ui: false, raw: ['json'], jsonDocumentUrl: OPENAPI_PATH });
}

/** The version and licence of this package: from the package.json above this file (the repository's, or the image's /srv). */
function packageManifest(from = __dirname): { version: string; license: string } {
  const file = join(from, 'package.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { version: string; license: string };
  if (dirname(from) === from) throw new Error('no package.json above the gateway');
  return packageManifest(dirname(from));
}
