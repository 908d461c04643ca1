import { Controller, Delete, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@oshift/access';
import { AuditAction } from '@oshift/audit';
import { encodeJobCursor, isJobId, type JobDetail, type JobLine, JobNotFoundError, JobViews } from '@oshift/jobs';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Requires } from '../auth/requires.decorator';
import { QueryParameters } from '../http/query-parameters.decorator';
import { NOT_FOUND } from '../http/request.errors';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import { JobEventStream } from './job-event.stream';
import { JobFeedHub, type JobFollower } from './job-feed.hub';
import { ApiCancelJob, ApiJob, ApiJobList } from './job.api-docs';
import { JobCancelService } from './job-cancel.service';
import {
  JOB_LIST_QUERY_PARAMETERS,
  JOB_QUERY_PARAMETERS,
  parseJobListQuery,
  parseJobQuery,
  parseLastEventId,
  wantsEventStream,
} from './job-query.dto';
import { JobLinks } from './job-links';
import { StreamSlots } from './stream-slots';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('jobs')
export class JobController {
  constructor(
    private readonly views: JobViews,
    private readonly hub: JobFeedHub,
    private readonly links: JobLinks,
    private readonly cancels: JobCancelService,
    private readonly slots: StreamSlots,
  ) {}

  /**
   * A job of this cluster: its output so far (it only grows, ending `Done` or `Fail`) with its state and
   * times; with `?since=N` only the lines after the N-th; with `Accept: text/event-stream`, a live stream.
   */
  @Get('job/:jobId')
  @Requires('jobs:read', NOT_FOUND)
  @QueryParameters(...JOB_QUERY_PARAMETERS)
  @ApiJob()
  async job(
    @Param('clusterId') clusterId: string,
    @Param('jobId') jobId: string,
    @Query() query: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { since } = parseJobQuery(query);
    if (wantsEventStream(request.headers.accept)) {
      const from = parseLastEventId(request.headers['last-event-id']) ?? since ?? 0;
      // The place is given back when the answer is over, whatever it was: the stream's end, the client leaving, an error.
      // A client that left while it was being authenticated has closed already: its place goes back at once.
      const release = this.slots.take(principal.username);
      if (reply.raw.destroyed) release();
      else reply.raw.once('close', release);
      return this.stream(clusterId, jobId, from, request, reply);
    }
    if (!isJobId(jobId)) throw new JobNotFoundError();
    const body =
      since === undefined
        ? await this.views.detail(clusterId, jobId)
        : await this.views.linesSince(clusterId, jobId, since);
    if (!body) throw new JobNotFoundError();
    await reply.send(body);
  }

  /**
   * Cancels a job of this cluster (reboot role): a reboot that waits or is queued ends now with `Fail`; the rest
   * of a rolling reboot is called off. Answers the job as it is then; 409 when nothing can be cancelled.
   */
  @Delete('job/:jobId')
  @Requires('nodes:reboot', new JobNotFoundError().message, { action: AuditAction.jobCancel, target: () => null })
  @ApiCancelJob()
  cancel(
    @Param('clusterId') clusterId: string,
    @Param('jobId') jobId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<JobDetail> {
    return this.cancels.cancel(clusterId, jobId, principal, request);
  }

  /** The cluster's jobs, newest first, a page at a time. */
  @Get('jobs')
  @Requires('jobs:read', NOT_FOUND)
  @QueryParameters(...JOB_LIST_QUERY_PARAMETERS)
  @ApiJobList()
  async jobs(@Param('clusterId') clusterId: string, @Query() query: unknown) {
    const page = await this.views.list(clusterId, parseJobListQuery(query));
    return {
      jobs: page.jobs.map((job) => ({
        ...job,
        status_url: this.links.statusUrl(clusterId, job.job_id),
      })),
      next: page.next && encodeJobCursor(page.next),
    };
  }

  private async stream(
    clusterId: string,
    jobId: string,
    from: number,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    if (!isJobId(jobId)) throw new JobNotFoundError();
    const stream = new JobEventStream(reply.raw);
    const follower: JobFollower = {
      sent: from,
      open: () => {
        reply.hijack();
        stream.open(request.id);
      },
      line(line: JobLine) {
        stream.line(line);
        this.sent = line.n;
      },
      end: (state, errors) => stream.end(state, errors),
      heartbeat: () => stream.heartbeat(),
      close: () => stream.close(),
    };
    const detach = await this.hub.follow(clusterId, jobId, follower);
    if (!detach) throw new JobNotFoundError();
    // A client that left (or a stream that ended) lets go of its place in the feed; no timer or listener stays.
    if (reply.raw.destroyed || stream.isClosed) detach();
    else reply.raw.once('close', detach);
  }
}
