/**
 * OpenAPI decorators every cluster route shares; each feature documents its own operations beside its
 * controller (`*.api-docs.ts`).
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';

/** Names of the security schemes in the document (see openapi.document.ts). */
export const SECURITY = { basic: 'basic', bearer: 'bearer' } as const;

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
};

/**
 * What every `/api/openshift/{clusterId}/…` route shares in the OpenAPI document: HTTP Basic or an SSO
 * bearer token, the cluster in the path, and the 401/404/429/503 answers.
 */
export function ApiClusterRoutes(tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBasicAuth(SECURITY.basic),
    ApiBearerAuth(SECURITY.bearer),
    ApiParam({
      name: 'clusterId',
      description: 'The cluster, usually the domain part of its name',
      example: 'mycompany.cor00005.cna.ukcloud.com',
    }),
    ApiUnauthorizedResponse({
      description: 'No credentials, or wrong ones',
      type: ErrorBodyDto,
      headers: { 'WWW-Authenticate': { description: 'The Basic challenge', schema: { type: 'string' } } },
    }),
    ApiNotFoundResponse({
      description: 'Anything the caller may not see: unknown or ungranted cluster, unknown job or node',
      type: ErrorBodyDto,
    }),
    ApiTooManyRequestsResponse({ description: 'Throttled', type: ErrorBodyDto, headers: retryAfter }),
    ApiServiceUnavailableResponse({
      description: 'A dependency (Postgres, Redis, OpenStack) is down',
      type: ErrorBodyDto,
      headers: retryAfter,
    }),
  ) as ClassDecorator;
}
