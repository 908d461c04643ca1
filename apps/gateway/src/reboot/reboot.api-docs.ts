/** OpenAPI description of the reboot route. */
import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTooManyRequestsResponse,
  ApiPayloadTooLargeResponse,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';
import { RebootConflictDto } from './reboot-conflict.dto';
import { RebootForecastDto } from './reboot-forecast.dto';
import { RebootRefusalDto } from './reboot-refusal.dto';
import { rebootRequestOpenApiSchema } from './reboot-request.dto';
import { RebootStartedDto } from './reboot-started.dto';

/** `POST reboot`. */
export function ApiReboot(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'rebootNode',
      summary:
        'Starts an asynchronous reboot of one node, SOFT unless type=HARD, or with dry_run=true says what it would ' +
        'do (needs the reboot role on the cluster)',
      description:
        'Unknown node and missing reboot role both answer 404 `{"error": "Node Not found"}`. An accepted reboot ' +
        'the cluster’s rules hold back (another node of its role rebooting, a master without the others ACTIVE, ' +
        'no other HAProxy node ACTIVE) is still answered 202: its job shows `state: waiting` and starts by itself. ' +
        'With `dry_run=true` the answer is 200 with what would happen, and nothing starts.',
    }),
    ApiExtraModels(RebootConflictDto, RebootRefusalDto),
    ApiConsumes('application/x-www-form-urlencoded', 'application/json'),
    ApiBody({ schema: rebootRequestOpenApiSchema() }),
    ApiAcceptedResponse({
      description: 'The reboot is under way',
      type: RebootStartedDto,
      headers: { Location: { description: 'The job’s status_url', schema: { type: 'string', format: 'uri' } } },
    }),
    ApiOkResponse({ description: 'Dry run: what the reboot would do now; nothing started', type: RebootForecastDto }),
    ApiBadRequestResponse({
      description:
        'No target, not a node name, a type other than SOFT or HARD, a dry_run other than true or false, an ' +
        'unknown field, or a malformed Idempotency-Key',
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
    ApiConflictResponse({
      description:
        'A reboot of that node is already running (`RebootConflict`), or the cluster’s rules never allow it, ' +
        'e.g. the cluster’s only HAProxy node (`RebootRefusal`)',
      content: {
        'application/json': {
          schema: { oneOf: [{ $ref: getSchemaPath(RebootConflictDto) }, { $ref: getSchemaPath(RebootRefusalDto) }] },
        },
      },
    }),
    ApiTooManyRequestsResponse({
      description:
        'Throttled (`Error`), or the node is inside the cluster’s cooldown after its last reboot (`RebootRefusal`)',
      headers: {
        'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
      },
      content: {
        'application/json': {
          schema: { oneOf: [{ $ref: getSchemaPath(ErrorBodyDto) }, { $ref: getSchemaPath(RebootRefusalDto) }] },
        },
      },
    }),
    ApiUnprocessableEntityResponse({
      description: 'The Idempotency-Key came before with another request',
      type: ErrorBodyDto,
    }),
    ApiPayloadTooLargeResponse({ description: 'Body larger than BODY_LIMIT_BYTES', type: ErrorBodyDto }),
    ApiUnsupportedMediaTypeResponse({ description: 'Neither form-encoded nor JSON', type: ErrorBodyDto }),
  );
}
