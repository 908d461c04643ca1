import { Controller, Get, Param } from '@nestjs/common';
import { isJobId, JobRepository, type JobOutput } from '@oshift/jobs';
import { Requires } from '../auth/requires.decorator';
import { ApiError, NOT_FOUND } from '../http/api-error';
import { ApiClusterRoutes, ApiJob } from '../openapi/api-docs.decorators';

const JOB_NOT_FOUND = 'Job Not found';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('jobs')
export class JobController {
  constructor(private readonly jobs: JobRepository) {}

  /** The output of a job of this cluster so far; it only ever grows, ending `Done` or `Fail`. */
  @Get('job/:jobId')
  @Requires('jobs:read', NOT_FOUND)
  @ApiJob()
  async job(@Param('clusterId') clusterId: string, @Param('jobId') jobId: string): Promise<JobOutput> {
    const output = isJobId(jobId) ? await this.jobs.readOutput(clusterId, jobId) : null;
    if (!output) throw new ApiError(404, JOB_NOT_FOUND);
    return output;
  }
}
