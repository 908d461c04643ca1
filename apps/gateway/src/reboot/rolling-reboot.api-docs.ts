/** OpenAPI description of the rolling reboot route. */
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
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';
import { RebootConflictDto } from './reboot-conflict.dto';
import { RebootRefusalDto } from './reboot-refusal.dto';
import { RebootStartedDto } from './reboot-started.dto';
import { RollingForecastDto } from './rolling-forecast.dto';
import { rollingRebootRequestOpenApiSchema } from './rolling-reboot-request.dto';

/** `POST rolling-reboot`. */
export function ApiRollingReboot(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'rollingReboot',
      summary: 'Reboots every node of a role, or of the cluster, one at a time (needs the reboot role)',
      description:
        'One job, `kind: rolling`, target `rolling:<role>`, whose output carries every node’s `<node> <STATUS>` ' +
        'lines and ends `Done`, or `Fail` at the first node that fails (the rest left alone and named in ' +
        '`errors`). Order for `all`: worker, other (nodes of no known role), infra, master, haproxy; within a ' +
        'role, as `nodestatus` lists them. Each node waits its turn under the cluster’s rules like a single ' +
        'reboot (single reboots running meanwhile count too). `DELETE job/{id}` calls off the rest. ' +
        'Without the reboot role: 404.',
    }),
    ApiExtraModels(RebootConflictDto, RebootRefusalDto),
    ApiConsumes('application/x-www-form-urlencoded', 'application/json'),
    ApiBody({ schema: rollingRebootRequestOpenApiSchema(), required: false }),
    ApiAcceptedResponse({
      description: 'The rolling reboot is under way',
      type: RebootStartedDto,
      headers: { Location: { description: 'The job’s status_url', schema: { type: 'string', format: 'uri' } } },
    }),
    ApiOkResponse({ description: 'Dry run: the plan and what its first node would do now', type: RollingForecastDto }),
    ApiBadRequestResponse({
      description:
        'A role, type or dry_run that is not one, an unknown field, a malformed Idempotency-Key, or a role the ' +
        'cluster has no node of (`RebootRefusal`, with the reason)',
      content: {
        'application/json': {
          schema: { oneOf: [{ $ref: getSchemaPath(ErrorBodyDto) }, { $ref: getSchemaPath(RebootRefusalDto) }] },
        },
      },
    }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'As for `POST reboot`: the same key and body within 24 h answer the first 202 again.',
      schema: { type: 'string', maxLength: 255 },
    }),
    ApiConflictResponse({
      description:
        'A rolling reboot of that role is already running (`RebootConflict`), or the cluster’s rules never allow ' +
        'one of its nodes, e.g. the cluster’s only HAProxy node (`RebootRefusal`)',
      content: {
        'application/json': {
          schema: { oneOf: [{ $ref: getSchemaPath(RebootConflictDto) }, { $ref: getSchemaPath(RebootRefusalDto) }] },
        },
      },
    }),
    ApiUnprocessableEntityResponse({
      description: 'The Idempotency-Key came before with another request',
      type: ErrorBodyDto,
    }),
  );
}
