import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import {
  isJobId,
  JobCancels,
  type JobDetail,
  JobEventPublisher,
  JobNotCancellableError,
  JobNotFoundError,
  JobViews,
} from '@oshift/jobs';
import { type AuditedRequest, RequestAudit } from '../audit/request-audit';

/**
 * Decides `DELETE job/{id}`: a reboot that has not started ends now with `Fail` (`errors: Cancelled by <user>`),
 * the rest of a rolling reboot is called off (its worker ends it once the reboot it sent has run its course).
 * The cancel and its audit records commit together ({@link JobCancels}); each job it ended is then announced to
 * its followers as a worker announces an end (the `Fail` line, then `end`). Refusals are audited and thrown.
 */
@Injectable()
export class JobCancelService {
  private readonly logger = new Logger(JobCancelService.name);

  constructor(
    @Inject(JobCancels) private readonly cancels: Pick<JobCancels, 'cancel'>,
    @Inject(JobViews) private readonly views: Pick<JobViews, 'detail'>,
    @Inject(JobEventPublisher) private readonly events: Pick<JobEventPublisher, 'line' | 'end'>,
    @Inject(RequestAudit) private readonly audit: Pick<RequestAudit, 'request' | 'recordOf'>,
  ) {}

  /** Cancels what can be of the cluster's job and answers the job as it is now; throws why not. */
  async cancel(clusterId: string, jobId: string, principal: Principal, request: AuditedRequest): Promise<JobDetail> {
    const refuse = async (target: string | null, reason: string) =>
      this.audit.request(request, principal, {
        action: AuditAction.jobCancel,
        clusterId,
        target,
        outcome: AuditOutcome.refused,
        detail: { jobId, reason },
      });
    if (!isJobId(jobId)) {
      await refuse(null, 'unknown job');
      throw new JobNotFoundError();
    }
    const { actor, source, detail } = this.audit.recordOf(request, principal, {
      action: AuditAction.jobCancel,
      clusterId,
      target: null,
      outcome: AuditOutcome.cancelled,
      detail: {},
    });
    const outcome = await this.cancels.cancel(clusterId, jobId, principal.username, {
      actor,
      source,
      detail: detail ?? {},
    });
    if (!outcome) {
      await refuse(null, 'unknown job');
      throw new JobNotFoundError();
    }
    if (!outcome.cancelled) {
      await refuse(outcome.target, outcome.reason);
      throw new JobNotCancellableError(jobId, outcome.reason);
    }
    for (const ended of outcome.ended) {
      this.events.line(ended.jobId, ended.line);
      this.events.end(ended.jobId, 'failed', ended.errors);
    }
    this.logger.log({
      msg: 'job cancelled',
      jobId,
      clusterId,
      kind: outcome.kind,
      ended: outcome.ended.map((job) => job.jobId),
      user: principal.username,
      requestId: request.id,
    });
    const job = await this.views.detail(clusterId, jobId);
    if (!job) throw new JobNotFoundError();
    return job;
  }
}
