import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditLog, type AuditOutcome } from '@oshift/audit';
import { JobRepository, newJobId, RebootAlreadyRunningError } from '@oshift/jobs';
import { NodeRegistry } from '@oshift/node-registry';
import { type AuditedRequest, RequestAudit } from '../audit/request-audit';
import { ApiError, NODE_NOT_FOUND } from '../http/api-error';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { GatewayConfig } from '../gateway.config';
import { RebootProducer } from './reboot.producer';

/** The audit action of reboot requests. */
const REBOOT = AuditAction.nodeReboot;

/** The answer to an accepted reboot, exactly as the API reference shows it. */
export interface RebootStarted {
  state: 'started';
  job_id: string;
  status_url: string;
}

/**
 * Accepts reboot requests: checks the node, records the job, hands it to the workers. Every request
 * leaves an audit record: `accepted` in the same transaction as its job, or why it was refused.
 */
@Injectable()
export class RebootService {
  private readonly logger = new Logger(RebootService.name);

  constructor(
    private readonly registry: NodeRegistry,
    private readonly jobs: JobRepository,
    private readonly producer: RebootProducer,
    private readonly audit: RequestAudit,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async request(
    clusterId: string,
    target: string,
    principal: Principal,
    request: AuditedRequest,
  ): Promise<RebootStarted> {
    const requestId = request.id;
    const refuse = (outcome: AuditOutcome, detail: Record<string, unknown>) =>
      this.audit.refused(request, principal, { action: REBOOT, clusterId, target, outcome, detail });

    const node = await this.registry.findNode(clusterId, target).catch(async (error: unknown) => {
      await refuse('failed', { reason: 'node lookup failed' });
      throw error;
    });
    if (!node) {
      await refuse('refused', { reason: 'unknown node' });
      throw new ApiError(404, NODE_NOT_FOUND);
    }

    const jobId = newJobId();
    try {
      await this.dataSource.transaction(async (manager) => {
        await this.jobs.createQueued(
          {
            id: jobId,
            clusterId,
            target,
            requestedBy: principal.username,
            requestId,
            deadlineAt: new Date(Date.now() + this.config.jobs.deadlineMs),
          },
          manager,
        );
        await AuditLog.record(manager, {
          actor: principal.username,
          source: request.ip,
          action: REBOOT,
          clusterId,
          target,
          outcome: 'accepted',
          detail: { jobId, method: principal.method, requestId },
        });
      });
    } catch (error) {
      if (error instanceof RebootAlreadyRunningError) {
        await refuse('refused', { reason: 'already running', runningJobId: error.jobId });
        throw new ApiError(409, 'A reboot of this node is already running', {
          job_id: error.jobId,
          status_url: this.statusUrl(clusterId, error.jobId),
        });
      }
      throw error;
    }

    try {
      await this.producer.enqueue({ jobId, clusterId, requestId });
    } catch (error) {
      // The customer gets a 503 and no job: nothing may reboot the node later on its behalf.
      await this.jobs.discardQueued(jobId);
      await refuse('failed', { reason: 'job queue unavailable', jobId });
      this.logger.error({ msg: 'enqueue failed, job discarded', jobId, requestId, error: String(error) });
      throw new ApiError(503, 'Job queue is unavailable, try again later', {}, { 'retry-after': '5' });
    }
    this.logger.log({ msg: 'reboot accepted', jobId, clusterId, target, user: principal.username, requestId });
    return { state: 'started', job_id: jobId, status_url: this.statusUrl(clusterId, jobId) };
  }

  /** Records a reboot request refused for invalid input (the caller gets the 400). */
  refuseInvalid(
    clusterId: string,
    target: string | null,
    error: string,
    principal: Principal,
    request: AuditedRequest,
  ): Promise<void> {
    return this.audit.refused(request, principal, {
      action: REBOOT,
      clusterId,
      target,
      outcome: 'refused',
      detail: { reason: 'invalid input', error },
    });
  }

  statusUrl(clusterId: string, jobId: string): string {
    return `${this.config.http.publicUrl}/api/openshift/${encodeURIComponent(clusterId)}/job/${jobId}`;
  }
}
