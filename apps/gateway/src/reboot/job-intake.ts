import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { type AuditAction, AuditOutcome } from '@oshift/audit';
import {
  type IdempotencyClaim,
  IdempotencyKeyReusedError,
  type JobKind,
  JobRequests,
  newJobId,
  QueueUnavailableError,
  RebootAlreadyRunningError,
  type RebootKind,
  type RollingRole,
} from '@oshift/jobs';
import { type AuditedRequest, RequestAudit } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { InvalidRequestError } from '../http/request.errors';
import { JobLinks } from '../jobs/job-links';
import { RebootProducer } from './reboot.producer';

/** The answer to an accepted reboot (or rolling reboot), exactly as the API reference shows it. */
export interface RebootStarted {
  state: 'started';
  job_id: string;
  status_url: string;
}

/** One request being decided: which action, who asked, where from, about which cluster and target. */
export interface Asked {
  action: AuditAction;
  request: AuditedRequest;
  principal: Principal;
  clusterId: string;
  target: string | null;
}

/** The job an accepted request records. */
export interface JobToStart {
  target: string;
  type: RebootKind;
  /** `reboot` unless given; a rolling reboot names its role. */
  kind?: JobKind;
  rollingRole?: RollingRole;
  /** How long the job may take (the configured reboot deadline unless given). */
  deadlineMs?: number;
  idempotency?: IdempotencyClaim;
}

/**
 * The part every job-starting request shares: replaying an `Idempotency-Key`, recording the job with its
 * `accepted` audit record in one statement, handing it to the workers, and auditing each way this can go wrong.
 * The services that decide a request (`RebootService`, `RollingRebootService`) check its input first.
 */
@Injectable()
export class JobIntake {
  private readonly logger = new Logger(JobIntake.name);

  constructor(
    @Inject(JobRequests) private readonly jobs: Pick<JobRequests, 'replay' | 'accept' | 'discardQueued'>,
    @Inject(RebootProducer) private readonly producer: Pick<RebootProducer, 'enqueue'>,
    @Inject(RequestAudit) private readonly audit: Pick<RequestAudit, 'request' | 'recordOf'>,
    @Inject(JobLinks) private readonly links: Pick<JobLinks, 'statusUrl'>,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'jobs'>,
  ) {}

  /**
   * The first answer again when the key already started a job (within its lifetime), else null. Throws
   * {@link IdempotencyKeyReusedError}, audited, when the key came with another request.
   */
  async replay(asked: Asked, claim: IdempotencyClaim): Promise<RebootStarted | null> {
    const earlier = await this.jobs.replay(claim).catch(async (error: unknown) => {
      if (error instanceof IdempotencyKeyReusedError) {
        await this.record(asked, AuditOutcome.refused, { reason: 'idempotency key reused', idempotencyKey: claim.key });
      }
      throw error;
    });
    return earlier ? this.replayed(asked.clusterId, earlier, asked.request.id) : null;
  }

  /**
   * Records the job with its `accepted` record and enqueues it; answers the job to follow. Throws
   * {@link RebootAlreadyRunningError} (audited) when the target has an active job already.
   */
  async start(asked: Asked, job: JobToStart): Promise<RebootStarted> {
    const { request, principal, clusterId } = asked;
    const jobId = newJobId();
    const requestId = request.id;
    const deadlineAt = new Date(Date.now() + (job.deadlineMs ?? this.config.jobs.deadlineMs));
    try {
      const accepted = this.audit.recordOf(request, principal, {
        action: asked.action,
        clusterId,
        target: job.target,
        outcome: AuditOutcome.accepted,
        detail: job.rollingRole ? { role: job.rollingRole } : {},
      });
      const recorded = await this.jobs.accept({
        id: jobId,
        clusterId,
        target: job.target,
        type: job.type,
        ...(job.kind && job.kind !== 'reboot' ? { kind: job.kind, rollingRole: job.rollingRole } : {}),
        requestedBy: principal.username,
        requestId,
        deadlineAt,
        audit: accepted,
        idempotency: job.idempotency,
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
    this.logger.log({
      msg: job.kind === 'rolling' ? 'rolling reboot accepted' : 'reboot accepted',
      jobId,
      clusterId,
      target: job.target,
      type: job.type,
      user: principal.username,
      requestId,
    });
    return this.started(clusterId, jobId);
  }

  /** Records the request's decision (refused, failed, dry-run, …) on its own, never failing the answer. */
  /**
   * Checks what both a body parser and the `Idempotency-Key` header made of the request: an invalid one is
   * audited as refused and thrown as {@link InvalidRequestError}; else the parsed body and the key (if any).
   */
  async checked<T>(
    asked: Asked,
    parsed: { ok: true; value: T } | { ok: false; error: string },
    key: { ok: true; value?: string } | { ok: false; error: string },
  ): Promise<{ value: T; key?: string }> {
    if (parsed.ok && key.ok) return { value: parsed.value, key: key.value };
    const error = !parsed.ok ? parsed.error : !key.ok ? key.error : '';
    await this.record(asked, AuditOutcome.refused, { reason: 'invalid input', error });
    throw new InvalidRequestError(error);
  }

  record(asked: Asked, outcome: AuditOutcome, detail: Record<string, unknown>): Promise<void> {
    const { action, request, principal, clusterId, target } = asked;
    return this.audit.request(request, principal, { action, clusterId, target, outcome, detail });
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
}
