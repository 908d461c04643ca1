/** OpenAPI description of the reboot route. */
import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiUnprocessableEntityResponse,
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
      summary:
        'Starts an asynchronous reboot of one node, SOFT unless type=HARD (needs the reboot role on the cluster)',
      description: 'Unknown node and missing reboot role both answer 404 `{"error": "Node Not found"}`.',
    }),
    ApiConsumes('application/x-www-form-urlencoded', 'application/json'),
    ApiBody({ schema: rebootRequestOpenApiSchema() }),
    ApiAcceptedResponse({
      description: 'The reboot is under way',
      type: RebootStartedDto,
      headers: { Location: { description: 'The job’s status_url', schema: { type: 'string', format: 'uri' } } },
    }),
    ApiBadRequestResponse({
      description:
        'No target, not a node name, a type other than SOFT or HARD, an unknown field, or a malformed Idempotency-Key',
      type: ErrorBodyDto,
    }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 printable characters (a UUID is usual). The same key from the same user with the same body ' +
        'within 24 h answers the first 202 again (same job_id) and starts nothing; with another body, 422.',
      schema: { type: 'string', maxLength: 255 },
    }),
    ApiConflictResponse({ description: 'A reboot of that node is already running', type: RebootConflictDto }),
    ApiUnprocessableEntityResponse({
      description: 'The Idempotency-Key came before with another request',
      type: ErrorBodyDto,
    }),
    ApiPayloadTooLargeResponse({ description: 'Body larger than BODY_LIMIT_BYTES', type: ErrorBodyDto }),
    ApiUnsupportedMediaTypeResponse({ description: 'Neither form-encoded nor JSON', type: ErrorBodyDto }),
  );
}
