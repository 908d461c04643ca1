import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { type AuditAction, AuditOutcome } from '@oshift/audit';
import {
  ClusterRules,
  type IdempotencyClaim,
  IdempotencyKeyReusedError,
  type JobKind,
  JobRequests,
  newJobId,
  NoNodeOfRoleError,
  QueueUnavailableError,
  RebootAlreadyRunningError,
  RebootCooldownError,
  type AcceptGuard,
  PolicyChangedError,
  type RebootKind,
  RebootRefusedError,
  type RebootPolicy,
  type RollingRole,
  windowDecision,
} from '@oshift/jobs';
import { type ClusterNode, NodeNotFoundError, type NodeRegistry } from '@oshift/node-registry';
import { type AuditedRequest, RequestAudit } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { InvalidRequestError } from '../http/request.errors';
import { JobLinks } from '../jobs/job-links';
import { ClusterPolicyCache } from './cluster-policy.cache';
import { RebootProducer } from './reboot.producer';
import { parseIdempotencyKey } from './reboot-request.dto';

/**
 * The answer to an accepted reboot (or rolling reboot), as the API reference shows it; `scheduled` instead of
 * `started` when it was asked to start later (`not_before`).
 */
export interface RebootStarted {
  state: 'started' | 'scheduled';
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
  /** A scheduled reboot's earliest start. */
  notBefore?: Date | null;
  /** Started outside the cluster's maintenance windows: who asked, and why. */
  windowOverride?: { by: string; reason: string } | null;
  /** What the checks left to the statement that records the job (the windows are screened already then). */
  guard?: AcceptGuard;
}

/** What every job-starting request's body holds besides its own fields: its type, dry run and when it starts. */
export interface JobAsk {
  type: RebootKind;
  dry_run: boolean;
  not_before?: Date;
  override_window: boolean;
  reason?: string;
}

/** When a request's job would start, for a forecast: its `not_before` (null: now), override, and one reboot's length. */
export interface Schedule {
  notBefore: number | null;
  override: boolean;
  /** How long one reboot may take (a rolling reboot's deadline is this per node). */
  deadlineMs: number;
}

/** What a request body parser answers: the request, or why it is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * One kind of job-starting request (a reboot, a rolling reboot): everything in which it differs from the other,
 * named. The rest, the order of the checks and their audit records, is {@link JobIntake.request}'s, the one path.
 */
export interface IntakeRoute<T extends JobAsk, F extends object> {
  /** The audit action of its every decision. */
  action: AuditAction;
  /** Its name in the `Idempotency-Key`'s digest of what is asked (`reboot`, `rolling-reboot`). */
  name: string;
  /** Its body, parsed. */
  parse(body: unknown): Parsed<T>;
  /** What the raw body names, for the audit record of a request refused before it could be parsed. */
  rawTarget(body: unknown): string | null;
  /** The job's target (the node, or `rolling:<role>`). */
  target(value: T): string;
  /** What it asks for besides the cluster and the type, in the key's digest (the node, or the role). */
  subject(value: T): string;
  /** What its dry run and accepted records say besides the type (a rolling reboot's role). */
  detail(value: T): Record<string, unknown>;
  /**
   * A dry run's answer: what it would do now (or at its `not_before`, against the maintenance windows but not the
   * load then). May throw a refusal (unknown node, no node of the role).
   */
  forecast(clusterId: string, value: T, nodes: readonly ClusterNode[], schedule: Schedule): Promise<F>;
  /**
   * A real request's checks before its job is recorded: throws the refusal (unknown node, cooldown, rules that
   * never allow it, no node of the role), else answers what the job records besides its target and type.
   */
  screen(
    clusterId: string,
    value: T,
    nodes: readonly ClusterNode[],
    schedule: Schedule,
  ): Promise<Pick<JobToStart, 'kind' | 'rollingRole' | 'deadlineMs' | 'guard'>>;
}

/** How many times a request decided on a policy that changed meanwhile is decided again before it fails. */
const POLICY_RETRIES = 3;

/** The audit detail of a refusal the checks throw, or null for any other error (it is not a refusal). */
function refusalOf(error: unknown): Record<string, unknown> | null {
  if (error instanceof NodeNotFoundError) return { reason: 'unknown node' };
  if (error instanceof RebootCooldownError) return { reason: 'cooldown', retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof RebootRefusedError) return { reason: 'cluster rules', rule: error.reason };
  if (error instanceof NoNodeOfRoleError) return { reason: 'no node of the role', role: error.role };
  return null;
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
    @Inject(JobRequests)
    private readonly jobs: Pick<JobRequests, 'replay' | 'accept' | 'discardQueued' | 'wasScheduled'>,
    @Inject(RebootProducer) private readonly producer: Pick<RebootProducer, 'enqueue'>,
    @Inject(RequestAudit) private readonly audit: Pick<RequestAudit, 'request' | 'recordOf'>,
    @Inject(JobLinks) private readonly links: Pick<JobLinks, 'statusUrl'>,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'jobs'>,
    @Inject(ClusterRules) private readonly rules: Pick<ClusterRules, 'policy'>,
    /** The policies a route's screen decided on (see `RebootRules.admit`): an entry found stale is dropped. */
    @Optional() @Inject(ClusterPolicyCache) private readonly policies?: Pick<ClusterPolicyCache, 'forget'>,
  ) {}

  /**
   * The one path of a job-starting request, whatever its route: the input (body and `Idempotency-Key`), a
   * replay of the key's first answer, the cluster's nodes, then a dry run's forecast or the real request's
   * checks and its job. Each way it ends is audited under the route's action: `refused` (with why), `failed`,
   * `dry-run` (with the forecast) or `accepted` (with the job, in one statement).
   */
  async request<T extends JobAsk, F extends object>(
    route: IntakeRoute<T, F>,
    nodesOf: (clusterId: string) => Promise<ClusterNode[]>,
    ask: { clusterId: string; body: unknown; principal: Principal; request: AuditedRequest; idempotencyKey?: unknown },
  ): Promise<RebootStarted | F> {
    const { clusterId, body, principal, request } = ask;
    const { action } = route;
    const raw: Asked = { action, request, principal, clusterId, target: route.rawTarget(body) };
    const header = ask.idempotencyKey as string | string[] | undefined;
    const checked = await this.checked(raw, route.parse(body), parseIdempotencyKey(header));
    const { value } = checked;
    const target = route.target(value);
    const asked: Asked = { action, request, principal, clusterId, target };

    const claim = checked.key ? idempotencyClaim(route, principal, checked.key, clusterId, value) : undefined;
    if (claim) {
      const earlier = await this.replay(asked, claim);
      if (earlier) return earlier;
    }

    const nodes = await nodesOf(clusterId).catch(async (error: unknown) => {
      await this.record(asked, AuditOutcome.failed, { reason: 'node lookup failed' });
      throw error;
    });
    const refused = async (error: unknown): Promise<never> => {
      const refusal = refusalOf(error);
      if (refusal) await this.record(asked, AuditOutcome.refused, refusal);
      throw error;
    };
    const schedule: Schedule = {
      notBefore: value.not_before?.getTime() ?? null,
      override: value.override_window,
      deadlineMs: this.config.jobs.deadlineMs,
    };
    if (value.dry_run) {
      const forecast = await route.forecast(clusterId, value, nodes, schedule).catch(refused);
      const detail = { type: value.type, ...route.detail(value), ...scheduleDetail(value), ...forecast };
      await this.record(asked, AuditOutcome.dryRun, detail);
      return forecast;
    }
    for (let tries = 1; ; tries++) {
      const job = await route.screen(clusterId, value, nodes, schedule).catch(refused);
      const deadlineMs = job.deadlineMs ?? schedule.deadlineMs;
      // A guard means the route screened the windows itself, on the policy the guard holds.
      if (!job.guard) await this.screenWindows(clusterId, value, deadlineMs).catch(refused);
      try {
        return await this.start(asked, {
          target,
          type: value.type,
          ...job,
          deadlineMs,
          idempotency: claim,
          notBefore: value.not_before ?? null,
          windowOverride: value.override_window ? { by: principal.username, reason: value.reason ?? '' } : null,
        });
      } catch (error) {
        // Decided on a policy no longer in force: nothing was recorded; decide again on the one in force.
        if (!(error instanceof PolicyChangedError) || tries >= POLICY_RETRIES) throw error;
        this.policies?.forget(clusterId);
      }
    }
  }

  /**
   * The cluster's maintenance windows, by the same function the worker's admission uses: a request whose deadline
   * (counted from its `not_before`) comes before the next window opens is refused, and so is an `override_window`
   * on a cluster whose operator switched that right off. Throws {@link RebootRefusedError} (409) with the reason.
   */
  private async screenWindows(clusterId: string, value: JobAsk, deadlineMs: number): Promise<void> {
    const policy = await this.rules.policy(clusterId);
    const schedule = { notBefore: value.not_before?.getTime() ?? null, override: value.override_window, deadlineMs };
    const refusal = windowRefusal(policy, schedule);
    if (refusal) throw refusal;
  }

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
    return earlier ? await this.replayed(asked.clusterId, earlier, asked.request.id) : null;
  }

  /**
   * Records the job with its `accepted` record and enqueues it; answers the job to follow. Throws
   * {@link RebootAlreadyRunningError} (audited) when the target has an active job already.
   */
  async start(asked: Asked, job: JobToStart): Promise<RebootStarted> {
    const { request, principal, clusterId } = asked;
    const jobId = newJobId();
    const requestId = request.id;
    const deadlineMs = job.deadlineMs ?? this.config.jobs.deadlineMs;
    const notBefore = job.notBefore ?? null;
    // Scheduled when its time is still ahead as it is recorded (a replay of its key answers the same way).
    const scheduled = notBefore !== null && notBefore.getTime() > Date.now();
    try {
      const accepted = this.audit.recordOf(request, principal, {
        action: asked.action,
        clusterId,
        target: job.target,
        outcome: AuditOutcome.accepted,
        detail: {
          ...(job.rollingRole ? { role: job.rollingRole } : {}),
          ...(notBefore ? { notBefore: notBefore.toISOString() } : {}),
          ...(job.windowOverride ? { windowOverride: { reason: job.windowOverride.reason } } : {}),
        },
      });
      const recorded = await this.jobs.accept({
        id: jobId,
        clusterId,
        target: job.target,
        type: job.type,
        ...(job.kind && job.kind !== 'reboot' ? { kind: job.kind, rollingRole: job.rollingRole } : {}),
        requestedBy: principal.username,
        requestId,
        deadlineMs,
        notBefore,
        windowOverride: job.windowOverride ?? null,
        audit: accepted,
        idempotency: job.idempotency,
        ...(job.guard ? { guard: job.guard } : {}),
      });
      if (!recorded.created) return this.replayed(clusterId, recorded.jobId, requestId);
    } catch (error) {
      if (error instanceof RebootAlreadyRunningError) {
        await this.record(asked, AuditOutcome.refused, { reason: 'already running', runningJobId: error.jobId });
      }
      // A cooldown the guard found (the screen's own refusal when the policy is read first).
      const refusal = refusalOf(error);
      if (refusal) await this.record(asked, AuditOutcome.refused, refusal);
      throw error;
    }

    try {
      // The queue's retries only need to outlast the deadline roughly; the deadline itself is Postgres' (above).
      // A scheduled job's message is delayed until its time: it holds no worker slot until then.
      const startAt = Math.max(Date.now(), notBefore?.getTime() ?? 0);
      await this.producer.enqueue({ jobId, clusterId, requestId }, new Date(startAt + deadlineMs), notBefore);
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
      ...(notBefore ? { notBefore: notBefore.toISOString() } : {}),
      ...(job.windowOverride ? { windowOverride: true } : {}),
    });
    return this.started(clusterId, jobId, scheduled);
  }

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

  /** Records the request's decision (refused, failed, dry-run, …) on its own, never failing the answer. */
  record(asked: Asked, outcome: AuditOutcome, detail: Record<string, unknown>): Promise<void> {
    const { action, request, principal, clusterId, target } = asked;
    return this.audit.request(request, principal, { action, clusterId, target, outcome, detail });
  }

  private started(clusterId: string, jobId: string, scheduled = false): RebootStarted {
    const state = scheduled ? 'scheduled' : 'started';
    return { state, job_id: jobId, status_url: this.links.statusUrl(clusterId, jobId) };
  }

  private async replayed(clusterId: string, jobId: string, requestId: string): Promise<RebootStarted> {
    this.logger.log({ msg: 'reboot request replayed for its idempotency key', jobId, clusterId, requestId });
    return this.started(clusterId, jobId, await this.jobs.wasScheduled(jobId));
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

/**
 * The maintenance windows' refusal of a request on `policy`, by the same function the worker's admission uses, or
 * null: a request whose deadline (counted from its `not_before`) comes before the next window opens, or an
 * `override_window` on a cluster whose operator switched that right off.
 */
export function windowRefusal(policy: RebootPolicy, schedule: Schedule): RebootRefusedError | null {
  if (schedule.override && !policy.allowWindowOverride) {
    return new RebootRefusedError(
      "this cluster's operator does not allow override_window: reboots start only inside its maintenance windows",
    );
  }
  const at = Math.max(Date.now(), schedule.notBefore ?? 0);
  const decision = windowDecision(policy, at, at + schedule.deadlineMs, schedule.override);
  return decision?.would === 'refuse' ? new RebootRefusedError(decision.reason) : null;
}

/**
 * The key of this user with a digest of what the request asks for: another request under it is a 422. A dry
 * run's digest differs from the real request's (`dry_run` is part of what is asked).
 */
function idempotencyClaim<T extends JobAsk>(
  route: IntakeRoute<T, object>,
  principal: Principal,
  key: string,
  clusterId: string,
  value: T,
): IdempotencyClaim {
  const asked = [
    route.name,
    clusterId,
    route.subject(value),
    value.type,
    ...(value.dry_run ? ['dry_run'] : []),
    ...Object.entries(scheduleDetail(value)).map(([name, detail]) => `${name}=${JSON.stringify(detail)}`),
  ];
  const requestHash = createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
  return { username: principal.username, key, requestHash };
}

/** What a request's audit records (and its key's digest) say of when it starts: only what was asked. */
function scheduleDetail(value: JobAsk): Record<string, unknown> {
  return {
    ...(value.not_before ? { notBefore: value.not_before.toISOString() } : {}),
    ...(value.override_window ? { windowOverride: { reason: value.reason } } : {}),
  };
}

/**
 * A service that decides one route's requests ({@link IntakeRoute}) through the one path, {@link JobIntake.request},
 * with the cluster's nodes from the registry. `RebootService` and `RollingRebootService` name only their route.
 */
export abstract class RoutedIntake<T extends JobAsk, F extends object> {
  protected abstract readonly route: IntakeRoute<T, F>;

  constructor(
    private readonly registry: Pick<NodeRegistry, 'listNodes'>,
    private readonly intake: Pick<JobIntake, 'request'>,
  ) {}

  /** Starts the job `body` asks for, or throws why not; with `dry_run` answers what it would do, starting nothing. */
  request(
    clusterId: string,
    body: unknown,
    principal: Principal,
    request: AuditedRequest,
    idempotencyHeader?: string | string[],
  ): Promise<RebootStarted | F> {
    return this.intake.request(this.route, (cluster) => this.registry.listNodes(cluster), {
      clusterId,
      body,
      principal,
      request,
      idempotencyKey: idempotencyHeader,
    });
  }
}
