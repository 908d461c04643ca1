import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import { JobRequests, newJobId, QueueUnavailableError, RebootAlreadyRunningError } from '@oshift/jobs';
import { NodeNotFoundError, NodeRegistry } from '@oshift/node-registry';
import { type AuditedRequest, RequestAudit } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { InvalidRequestError } from '../http/request.errors';
import { JobLinks } from '../jobs/job-links';
import { parseRebootRequest, rebootTargetOf } from './reboot-request.dto';
import { RebootProducer } from './reboot.producer';

/** The answer to an accepted reboot, exactly as the API reference shows it. */
export interface RebootStarted {
  state: 'started';
  job_id: string;
  status_url: string;
}

/** One reboot request being decided: who asked, where from, about what. */
interface Asked {
  request: AuditedRequest;
  principal: Principal;
  clusterId: string;
  target: string | null;
}

/**
 * Decides reboot requests: checks the input and the node, records the job, hands it to the workers. It
 * throws typed errors (the exception filter's table answers them) and owns the audit record of every
 * request it decides: `accepted` in the same transaction as its job, else why it was refused or failed.
 */
@Injectable()
export class RebootService {
  private readonly logger = new Logger(RebootService.name);

  constructor(
    @Inject(NodeRegistry) private readonly registry: Pick<NodeRegistry, 'findNode'>,
    @Inject(JobRequests) private readonly jobs: Pick<JobRequests, 'createQueued' | 'discardQueued'>,
    @Inject(RebootProducer) private readonly producer: Pick<RebootProducer, 'enqueue'>,
    @Inject(RequestAudit) private readonly audit: Pick<RequestAudit, 'request'>,
    @Inject(JobLinks) private readonly links: Pick<JobLinks, 'statusUrl'>,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'jobs'>,
  ) {}

  /** Starts a reboot of the node `body` names (form or JSON `target`), or throws why not. */
  async request(
    clusterId: string,
    body: unknown,
    principal: Principal,
    request: AuditedRequest,
  ): Promise<RebootStarted> {
    const parsed = parseRebootRequest(body);
    if (!parsed.ok) {
      const asked = { request, principal, clusterId, target: rebootTargetOf({ body }) };
      await this.record(asked, AuditOutcome.refused, { reason: 'invalid input', error: parsed.error });
      throw new InvalidRequestError(parsed.error);
    }
    const target = parsed.value.target;
    const asked: Asked = { request, principal, clusterId, target };

    const node = await this.registry.findNode(clusterId, target).catch(async (error: unknown) => {
      await this.record(asked, AuditOutcome.failed, { reason: 'node lookup failed' });
      throw error;
    });
    if (!node) {
      await this.record(asked, AuditOutcome.refused, { reason: 'unknown node' });
      throw new NodeNotFoundError(clusterId, target);
    }

    const jobId = newJobId();
    const requestId = request.id;
    const job = { id: jobId, clusterId, target, requestedBy: principal.username, requestId };
    try {
      await this.jobs.createQueued(
        { ...job, deadlineAt: new Date(Date.now() + this.config.jobs.deadlineMs) },
        (manager) => this.record(asked, AuditOutcome.accepted, { jobId }, manager),
      );
    } catch (error) {
      if (error instanceof RebootAlreadyRunningError) {
        await this.record(asked, AuditOutcome.refused, { reason: 'already running', runningJobId: error.jobId });
      }
      throw error;
    }

    try {
      await this.producer.enqueue({ jobId, clusterId, requestId });
    } catch (error) {
      // The customer gets a 503 and no job: nothing may reboot the node later on its behalf.
      await this.jobs.discardQueued(jobId);
      await this.record(asked, AuditOutcome.failed, { reason: 'job queue unavailable', jobId });
      this.logger.error({ msg: 'enqueue failed, job discarded', jobId, requestId, error: String(error) });
      throw new QueueUnavailableError(jobId, { cause: error });
    }
    this.logger.log({ msg: 'reboot accepted', jobId, clusterId, target, user: principal.username, requestId });
    return { state: 'started', job_id: jobId, status_url: this.links.statusUrl(clusterId, jobId) };
  }

  private record(
    asked: Asked,
    outcome: AuditOutcome,
    detail: Record<string, unknown>,
    manager?: EntityManager,
  ): Promise<void> {
    const { request, principal, clusterId, target } = asked;
    const decision = { action: AuditAction.nodeReboot, clusterId, target, outcome, detail };
    return this.audit.request(request, principal, decision, manager);
  }
}
