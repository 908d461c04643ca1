import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import {
  type IdempotencyClaim,
  IdempotencyKeyReusedError,
  JobRequests,
  newJobId,
  QueueUnavailableError,
  RebootAlreadyRunningError,
} from '@oshift/jobs';
import { NodeNotFoundError, NodeRegistry } from '@oshift/node-registry';
import { type AuditedRequest, RequestAudit } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { InvalidRequestError } from '../http/request.errors';
import { JobLinks } from '../jobs/job-links';
import { parseIdempotencyKey, parseRebootRequest, type RebootRequestDto, rebootTargetOf } from './reboot-request.dto';
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
 * request it decides: `accepted` in the same statement as its job, else why it was refused or failed. A
 * request repeated with its `Idempotency-Key` gets the first answer again and starts nothing.
 */
@Injectable()
export class RebootService {
  private readonly logger = new Logger(RebootService.name);

  constructor(
    @Inject(NodeRegistry) private readonly registry: Pick<NodeRegistry, 'findNode'>,
    @Inject(JobRequests) private readonly jobs: Pick<JobRequests, 'replay' | 'accept' | 'discardQueued'>,
    @Inject(RebootProducer) private readonly producer: Pick<RebootProducer, 'enqueue'>,
    @Inject(RequestAudit) private readonly audit: Pick<RequestAudit, 'request' | 'recordOf'>,
    @Inject(JobLinks) private readonly links: Pick<JobLinks, 'statusUrl'>,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'jobs'>,
  ) {}

  /** Starts a reboot of the node `body` names (form or JSON `target`, `type`), or throws why not. */
  async request(
    clusterId: string,
    body: unknown,
    principal: Principal,
    request: AuditedRequest,
    idempotencyHeader?: string | string[],
  ): Promise<RebootStarted> {
    const parsed = parseRebootRequest(body);
    const key = parseIdempotencyKey(idempotencyHeader);
    if (!parsed.ok || !key.ok) {
      const error = !parsed.ok ? parsed.error : !key.ok ? key.error : '';
      const asked = { request, principal, clusterId, target: rebootTargetOf({ body }) };
      await this.record(asked, AuditOutcome.refused, { reason: 'invalid input', error });
      throw new InvalidRequestError(error);
    }
    const { target, type } = parsed.value;
    const asked: Asked = { request, principal, clusterId, target };

    const claim = key.value ? idempotencyClaim(principal, key.value, clusterId, parsed.value) : undefined;
    if (claim) {
      const earlier = await this.jobs.replay(claim).catch(async (error: unknown) => {
        if (error instanceof IdempotencyKeyReusedError) {
          await this.record(asked, AuditOutcome.refused, {
            reason: 'idempotency key reused',
            idempotencyKey: claim.key,
          });
        }
        throw error;
      });
      if (earlier) return this.replayed(clusterId, earlier, request.id);
    }

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
    const deadlineAt = new Date(Date.now() + this.config.jobs.deadlineMs);
    try {
      const accepted = this.audit.recordOf(request, principal, {
        action: AuditAction.nodeReboot,
        clusterId,
        target,
        outcome: AuditOutcome.accepted,
        detail: {},
      });
      const recorded = await this.jobs.accept({
        id: jobId,
        clusterId,
        target,
        type,
        requestedBy: principal.username,
        requestId,
        deadlineAt,
        audit: accepted,
        idempotency: claim,
      });
      if (!recorded.created) return this.replayed(clusterId, recorded.jobId, requestId);
    } catch (error) {
      if (error instanceof RebootAlreadyRunningError) {
        await this.record(asked, AuditOutcome.refused, { reason: 'already running', runningJobId: error.jobId });
      }
      throw error;
    }

    try {
      await this.producer.enqueue({ jobId, clusterId, requestId }, deadlineAt);
    } catch (error) {
      await this.answerUnqueued(asked, jobId, error);
    }
    this.logger.log({ msg: 'reboot accepted', jobId, clusterId, target, type, user: principal.username, requestId });
    return this.started(clusterId, jobId);
  }

  private started(clusterId: string, jobId: string): RebootStarted {
    return { state: 'started', job_id: jobId, status_url: this.links.statusUrl(clusterId, jobId) };
  }

  private replayed(clusterId: string, jobId: string, requestId: string): RebootStarted {
    this.logger.log({ msg: 'reboot request replayed for its idempotency key', jobId, clusterId, requestId });
    return this.started(clusterId, jobId);
  }

  /**
   * The queue did not confirm the job (Redis away or slow): its add may still land. A 503 must mean nothing
   * will happen, so it is answered only once the job row is gone (a late message then finds no job). When the
   * row cannot be removed (a worker already took it, or Postgres is away too) the job stands: the answer is the
   * 202, and the reconciler hands the job to the queue if the add was lost.
   */
  private async answerUnqueued(asked: Asked, jobId: string, error: unknown): Promise<void> {
    const requestId = asked.request.id;
    const discarded = await this.jobs.discardQueued(jobId).catch(() => false);
    if (!discarded) {
      this.logger.warn({ msg: 'enqueue unconfirmed; the job stands', jobId, requestId, error: String(error) });
      return;
    }
    await this.record(asked, AuditOutcome.failed, { reason: 'job queue unavailable', jobId });
    this.logger.error({ msg: 'enqueue failed, job discarded', jobId, requestId, error: String(error) });
    throw new QueueUnavailableError(jobId, { cause: error });
  }

  private record(asked: Asked, outcome: AuditOutcome, detail: Record<string, unknown>): Promise<void> {
    const { request, principal, clusterId, target } = asked;
    const decision = { action: AuditAction.nodeReboot, clusterId, target, outcome, detail };
    return this.audit.request(request, principal, decision);
  }
}

/** The key of this user with a digest of what the request asks for: another request under it is a 422. */
function idempotencyClaim(
  principal: Principal,
  key: string,
  clusterId: string,
  reboot: RebootRequestDto,
): IdempotencyClaim {
  const requestHash = createHash('sha256')
    .update(JSON.stringify(['reboot', clusterId, reboot.target, reboot.type]))
    .digest('base64url');
  return { username: principal.username, key, requestHash };
}
