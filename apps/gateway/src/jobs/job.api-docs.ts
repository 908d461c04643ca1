/** OpenAPI description of the job-output route. */
import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { JobOutputDto } from './job-output.dto';

/** `GET job/{jobId}`. */
export function ApiJob(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ operationId: 'getJob', summary: 'A job’s output so far; it only grows, ending Done or Fail' }),
    ApiParam({ name: 'jobId', description: 'The job_id of a reboot of this cluster' }),
    ApiOkResponse({ description: 'The job’s output so far', type: JobOutputDto }),
  );
}
