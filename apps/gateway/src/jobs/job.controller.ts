import { Controller, Get, Param } from '@nestjs/common';
import { isJobId, JobNotFoundError, JobRequests, type JobOutput } from '@oshift/jobs';
import { Requires } from '../auth/requires.decorator';
import { NOT_FOUND } from '../http/request.errors';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import { ApiJob } from './job.api-docs';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('jobs')
export class JobController {
  constructor(private readonly jobs: JobRequests) {}

  /** The output of a job of this cluster so far; it only ever grows, ending `Done` or `Fail`. */
  @Get('job/:jobId')
  @Requires('jobs:read', NOT_FOUND)
  @ApiJob()
  async job(@Param('clusterId') clusterId: string, @Param('jobId') jobId: string): Promise<JobOutput> {
    const output = isJobId(jobId) ? await this.jobs.readOutput(clusterId, jobId) : null;
    if (!output) throw new JobNotFoundError();
    return output;
  }
}
