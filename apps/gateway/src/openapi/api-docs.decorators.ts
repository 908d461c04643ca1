import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiServiceUnavailableResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';
import { JobOutputDto } from '../jobs/job-output.dto';
import { NodeStatusDto } from '../nodes/node-status.dto';
import { RebootConflictDto } from '../reboot/reboot-conflict.dto';
import { rebootRequestOpenApiSchema } from '../reboot/reboot-request.dto';
import { RebootStartedDto } from '../reboot/reboot-started.dto';

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

/** `GET nodestatus`. */
export function ApiNodeStatus(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'getNodeStatus',
      summary: 'Every VM of the cluster with its Nova status, in natural name order',
    }),
    ApiOkResponse({ description: 'The VMs of the cluster', type: NodeStatusDto, isArray: true }),
  );
}

/** `POST reboot`. */
export function ApiReboot(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'rebootNode',
      summary: 'Starts an asynchronous reboot of one node (needs the reboot role on the cluster)',
      description: 'Unknown node and missing reboot role both answer 404 `{"error": "Node Not found"}`.',
    }),
    ApiConsumes('application/x-www-form-urlencoded', 'application/json'),
    ApiBody({ schema: rebootRequestOpenApiSchema() }),
    ApiAcceptedResponse({
      description: 'The reboot is under way',
      type: RebootStartedDto,
      headers: { Location: { description: 'The job’s status_url', schema: { type: 'string', format: 'uri' } } },
    }),
    ApiBadRequestResponse({ description: 'No target, or not a node name', type: ErrorBodyDto }),
    ApiConflictResponse({ description: 'A reboot of that node is already running', type: RebootConflictDto }),
    ApiPayloadTooLargeResponse({ description: 'Body larger than BODY_LIMIT_BYTES', type: ErrorBodyDto }),
    ApiUnsupportedMediaTypeResponse({ description: 'Neither form-encoded nor JSON', type: ErrorBodyDto }),
  );
}

/** `GET job/{jobId}`. */
export function ApiJob(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ operationId: 'getJob', summary: 'A job’s output so far; it only grows, ending Done or Fail' }),
    ApiParam({ name: 'jobId', description: 'The job_id of a reboot of this cluster' }),
    ApiOkResponse({ description: 'The job’s output so far', type: JobOutputDto }),
  );
}
