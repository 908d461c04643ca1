/** OpenAPI description of the job routes: the job (JSON or event stream) and the job list. */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  getSchemaPath,
} from '@nestjs/swagger';
import { JobViewStates } from '@oshift/jobs';
import { ErrorBodyDto } from '../http/error-body.dto';
import { JobNotCancellableDto } from './job-not-cancellable.dto';
import { JobDetailDto, JobLinesSinceDto } from './job-detail.dto';
import { JobListDto } from './job-list.dto';
import { HEARTBEAT_MS } from './job-feed.hub';

const EVENT_STREAM = [
  'With `Accept: text/event-stream` the same URL streams the job (Server-Sent Events): every line as',
  '`event: line`, `id: <n>`, `data: <text>` — first those already written (after the `n` of `Last-Event-ID`',
  'when the client sends one, else after `since`), then each line as soon as it is committed — a comment',
  `(\`: heartbeat\`) every ${HEARTBEAT_MS / 1000} s, and finally \`event: end\` with`,
  '`data: {"state": "done" | "failed", "errors": "…"}`, after which the stream closes. A follower that',
  'connects after the end gets the replay and `end` at once. A user holds a limited number of streams open',
  'at once (20 by default): one more is a `429` with `Retry-After` until one of them closes.',
].join(' ');

/** `GET job/{jobId}`: JSON (whole, or the lines after `since`) or the event stream. */
export function ApiJob(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'getJob',
      summary: 'A job: its output so far (it only grows, ending Done or Fail), state and times',
      description: `Without \`since\` the answer is a \`Job\`; with \`since=N\` a \`JobLinesSince\`. ${EVENT_STREAM}`,
    }),
    ApiExtraModels(JobDetailDto, JobLinesSinceDto),
    ApiParam({ name: 'jobId', description: 'The job_id of a reboot of this cluster' }),
    ApiQuery({
      name: 'since',
      required: false,
      schema: { type: 'integer', minimum: 0 },
      description: 'Only the lines after the N-th (lines count from 1)',
    }),
    ApiHeader({
      name: 'Last-Event-ID',
      required: false,
      description: 'Event stream only: the `id` of the last line received; the stream resumes after it',
      schema: { type: 'integer', minimum: 0 },
    }),
    ApiOkResponse({
      description: 'The job (JSON), or its event stream',
      content: {
        'application/json': {
          schema: { oneOf: [{ $ref: getSchemaPath(JobDetailDto) }, { $ref: getSchemaPath(JobLinesSinceDto) }] },
        },
        'text/event-stream': {
          schema: { type: 'string' },
          example:
            'event: line\nid: 1\ndata: worker-0.openstacklocal REBOOT\n\n: heartbeat\n\n' +
            'event: line\nid: 2\ndata: worker-0.openstacklocal ACTIVE\n\nevent: line\nid: 3\ndata: Done\n\n' +
            'event: end\ndata: {"state":"done","errors":""}\n\n',
        },
      },
    }),
    ApiBadRequestResponse({
      description: 'A malformed `since` or `Last-Event-ID`, or an unknown parameter',
      type: ErrorBodyDto,
    }),
  );
}

/** `GET jobs`. */
export function ApiJobList(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'listJobs',
      summary: 'The cluster’s jobs, newest first (any user granted the cluster)',
    }),
    ApiQuery({ name: 'state', required: false, enum: [...JobViewStates] }),
    ApiQuery({ name: 'target', required: false, type: String, description: 'Only the jobs of this node' }),
    ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }),
    ApiQuery({ name: 'before', required: false, type: String, description: 'The `next` cursor of the previous page' }),
    ApiOkResponse({ description: 'A page of jobs', type: JobListDto }),
    ApiBadRequestResponse({ description: 'A malformed parameter, or an unknown one', type: ErrorBodyDto }),
  );
}

/** `DELETE job/{jobId}`. */
export function ApiCancelJob(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'cancelJob',
      summary: 'Cancels a job that has not started, or the rest of a rolling reboot (needs the reboot role)',
      description:
        'A reboot still `waiting` or `queued` ends at once: its output ends `Fail` and `errors` is ' +
        '`Cancelled by <user>` (followers of its event stream see both). A rolling reboot is called off: ' +
        '`cancelled_by` shows it at once, the node it is rebooting finishes, and the job then ends `Fail` with ' +
        'the same `errors`. A reboot already sent runs to its end (409). Without the reboot role: 404.',
    }),
    ApiParam({ name: 'jobId', description: 'The job_id of a reboot or rolling reboot of this cluster' }),
    ApiOkResponse({ description: 'The job after the cancel', type: JobDetailDto }),
    ApiConflictResponse({
      description: 'Nothing can be cancelled: the job has ended, or its reboot was already sent',
      type: JobNotCancellableDto,
    }),
  );
}
