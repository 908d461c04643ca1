import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { GatewayConfig } from '../gateway.config';
import { SECURITY } from './api-docs.decorators';
import { BOUNDARY_DESCRIPTION, documentBoundary } from './boundary.api-docs';

/** Where the document is served (public, like the health checks). */
export const OPENAPI_PATH = '/openapi.json';

/** The OpenAPI 3.0 document of the gateway, generated from its controllers, DTOs and validation schemas. */
export function buildOpenApiDocument(app: NestFastifyApplication, config: GatewayConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('OpenShift self-service API')
    .setDescription(
      'See and reboot the VMs of a managed OpenShift cluster. Every answer is JSON, errors included ' +
        `(\`{"error": "…"}\`). ${BOUNDARY_DESCRIPTION}`,
    )
    .setVersion(packageVersion())
    .addServer(config.http.publicUrl)
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'A user of this service' }, SECURITY.basic)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: undefined, description: 'An SSO access token' },
      SECURITY.bearer,
    );
  return documentBoundary(SwaggerModule.createDocument(app, builder.build()));
}

/** Serves {@link buildOpenApiDocument} as `GET /openapi.json`; built now, so a broken document fails the start. */
export function serveOpenApiDocument(app: NestFastifyApplication, config: GatewayConfig): void {
  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup('openapi', app, document, { ui: false, raw: ['json'], jsonDocumentUrl: OPENAPI_PATH });
}

/** The version of this package: from the package.json above this file (the repository's, or the image's /srv). */
function packageVersion(from = __dirname): string {
  const file = join(from, 'package.json');
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  if (dirname(from) === from) throw new Error('no package.json above the gateway');
  return packageVersion(dirname(from));
}
