/** OpenAPI description of the routes that start a job (reboot, rolling reboot): one shape, their differences named. */
import { applyDecorators, type Type } from '@nestjs/common';
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
  ApiPayloadTooLargeResponse,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';
import { RebootConflictDto } from './reboot-conflict.dto';
import { RebootRefusalDto } from './reboot-refusal.dto';
import { RebootStartedDto } from './reboot-started.dto';

/** What both job-starting routes say of when their job starts: `not_before`, the windows and their override. */
export const SCHEDULE_DOCS =
  'With `not_before` the job is accepted at once (202, `state: scheduled`), holds nothing until then, starts ' +
  'by itself at that time under the cluster’s rules, and can be cancelled with `DELETE job/{id}`; its deadline ' +
  'counts from then, and a dry run forecasts it against the maintenance windows (not the load then). With ' +
  'maintenance windows set (`GET policy`), a reboot outside every window waits for the next one (`Waiting: ' +
  'outside the maintenance window; next opens …`), and one whose deadline comes before that is refused (409). ' +
  '`override_window=true` with a `reason` starts it anyway, unless the operator switched that off (409).';

/** What one job-starting route says of itself; everything else both routes share. */
export interface JobRequestDocs {
  operationId: string;
  summary: string;
  description: string;
  /** Its body's schema, and whether a body is required (a rolling reboot's every field has a default). */
  body: { schema: Record<string, unknown>; required: boolean };
  /** What its 202 means. */
  started: string;
  /** Its dry run's answer. */
  forecast: { description: string; type: Type };
  /** What its 400 covers; `refusal`: a 400 may also be a `RebootRefusal` (a role without nodes). */
  badRequest: { description: string; refusal: boolean };
  /** What its 409 covers. */
  conflict: string;
  /** What its 429 covers; `refusal`: a 429 may also be a `RebootRefusal` (the node's cooldown). */
  tooMany: { description: string; refusal: boolean };
}

/** A JSON body that is one of `models` (`oneOf`), or any of them where they overlap (`anyOf`). */
const composed = (keyword: 'oneOf' | 'anyOf', ...models: Type[]) => ({
  'application/json': { schema: { [keyword]: models.map((model) => ({ $ref: getSchemaPath(model) })) } },
});

/**
 * An `Error`, or a `RebootRefusal`, which is an `Error` with a `reason`: every refusal is also an `Error`, so the
 * two overlap, and `anyOf` says so (`oneOf` would reject a refusal, which matches both).
 */
const errorOrRefusal = composed('anyOf', ErrorBodyDto, RebootRefusalDto);

/** The OpenAPI description of a job-starting route. */
export function ApiJobRequest(docs: JobRequestDocs): MethodDecorator {
  return applyDecorators(
    ApiOperation({ operationId: docs.operationId, summary: docs.summary, description: docs.description }),
    ApiExtraModels(RebootConflictDto, RebootRefusalDto),
    ApiConsumes('application/x-www-form-urlencoded', 'application/json'),
    ApiBody(docs.body.required ? { schema: docs.body.schema } : { schema: docs.body.schema, required: false }),
    ApiAcceptedResponse({
      description: docs.started,
      type: RebootStartedDto,
      headers: { Location: { description: 'The job’s status_url', schema: { type: 'string', format: 'uri' } } },
    }),
    ApiOkResponse({ description: docs.forecast.description, type: docs.forecast.type }),
    docs.badRequest.refusal
      ? ApiBadRequestResponse({
          description: docs.badRequest.description,
          content: errorOrRefusal,
        })
      : ApiBadRequestResponse({ description: docs.badRequest.description, type: ErrorBodyDto }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 printable characters (a UUID is usual). The same key from the same user with the same body ' +
        'within 24 h answers the first 202 again (same job_id) and starts nothing; with another body, 422.',
      schema: { type: 'string', maxLength: 255 },
    }),
    ApiConflictResponse({
      description: docs.conflict,
      content: composed('oneOf', RebootConflictDto, RebootRefusalDto),
    }),
    docs.tooMany.refusal
      ? ApiTooManyRequestsResponse({
          description: docs.tooMany.description,
          headers: {
            'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
          },
          content: errorOrRefusal,
        })
      : ApiTooManyRequestsResponse({
          description: docs.tooMany.description,
          headers: {
            'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
          },
          type: ErrorBodyDto,
        }),
    ApiUnprocessableEntityResponse({
      description: 'The Idempotency-Key came before with another request',
      type: ErrorBodyDto,
    }),
    ApiPayloadTooLargeResponse({ description: 'Body larger than BODY_LIMIT_BYTES', type: ErrorBodyDto }),
    ApiUnsupportedMediaTypeResponse({ description: 'Neither form-encoded nor JSON', type: ErrorBodyDto }),
  );
}
