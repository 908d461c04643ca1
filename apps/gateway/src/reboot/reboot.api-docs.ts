/** OpenAPI description of the reboot route. */
import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';
import { RebootConflictDto } from './reboot-conflict.dto';
import { rebootRequestOpenApiSchema } from './reboot-request.dto';
import { RebootStartedDto } from './reboot-started.dto';

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
