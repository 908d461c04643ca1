import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import { type IdempotencyClaim, RebootCooldownError, RebootRefusedError } from '@oshift/jobs';
import { NodeNotFoundError, NodeRegistry } from '@oshift/node-registry';
import type { AuditedRequest } from '../audit/request-audit';
import { type Asked, JobIntake, type RebootStarted } from './job-intake';
import { parseIdempotencyKey, parseRebootRequest, type RebootRequestDto, rebootTargetOf } from './reboot-request.dto';
import { type RebootForecast, RebootRules } from './reboot-rules';

export type { RebootStarted } from './job-intake';
/** A dry run's answer: what the reboot would do now (`start`, `wait` or `refuse`), why, and the node's role. */
export type { RebootForecast } from './reboot-rules';

/**
 * Decides reboot requests: checks the input, the node and the cluster's rules (cooldown, a reboot they never
 * allow), then records the job and hands it to the workers ({@link JobIntake}). It throws typed errors (the
 * exception filter's table answers them) and owns the audit record of every request it decides: `accepted` in
 * the same statement as its job, `dry-run` with the forecast, else why it was refused or failed. A request
 * repeated with its `Idempotency-Key` gets the first answer again and starts nothing.
 */
@Injectable()
export class RebootService {
  constructor(
    @Inject(NodeRegistry) private readonly registry: Pick<NodeRegistry, 'listNodes'>,
    @Inject(RebootRules) private readonly rules: Pick<RebootRules, 'forecast' | 'screen'>,
    @Inject(JobIntake) private readonly intake: Pick<JobIntake, 'checked' | 'replay' | 'start' | 'record'>,
  ) {}

  /**
   * Starts a reboot of the node `body` names (form or JSON `target`, `type`), or throws why not; with
   * `dry_run` answers what it would do instead, starting nothing.
   */
  async request(
    clusterId: string,
    body: unknown,
    principal: Principal,
    request: AuditedRequest,
    idempotencyHeader?: string | string[],
  ): Promise<RebootStarted | RebootForecast> {
    const action = AuditAction.nodeReboot;
    const raw = { action, request, principal, clusterId, target: rebootTargetOf({ body }) };
    const checked = await this.intake.checked(raw, parseRebootRequest(body), parseIdempotencyKey(idempotencyHeader));
    const { target, type, dry_run: dryRun } = checked.value;
    const asked: Asked = { action, request, principal, clusterId, target };

    const claim = checked.key ? idempotencyClaim(principal, checked.key, clusterId, checked.value) : undefined;
    if (claim) {
      const earlier = await this.intake.replay(asked, claim);
      if (earlier) return earlier;
    }

    const nodes = await this.registry.listNodes(clusterId).catch(async (error: unknown) => {
      await this.intake.record(asked, AuditOutcome.failed, { reason: 'node lookup failed' });
      throw error;
    });
    if (!nodes.some((node) => node.nodename === target)) {
      await this.intake.record(asked, AuditOutcome.refused, { reason: 'unknown node' });
      throw new NodeNotFoundError(clusterId, target);
    }

    if (dryRun) {
      const forecast = await this.rules.forecast(clusterId, target, nodes);
      await this.intake.record(asked, AuditOutcome.dryRun, { type, ...forecast });
      return forecast;
    }
    await this.rules.screen(clusterId, target, nodes).catch(async (error: unknown) => {
      if (error instanceof RebootCooldownError) {
        await this.intake.record(asked, AuditOutcome.refused, {
          reason: 'cooldown',
          retryAfterSeconds: error.retryAfterSeconds,
        });
      } else if (error instanceof RebootRefusedError) {
        await this.intake.record(asked, AuditOutcome.refused, { reason: 'cluster rules', rule: error.reason });
      }
      throw error;
    });
    return this.intake.start(asked, { target, type, idempotency: claim });
  }
}

/**
 * The key of this user with a digest of what the request asks for: another request under it is a 422. A dry
 * run's digest differs from the real request's (`dry_run` is part of what is asked).
 */
function idempotencyClaim(
  principal: Principal,
  key: string,
  clusterId: string,
  reboot: RebootRequestDto,
): IdempotencyClaim {
  const asked = ['reboot', clusterId, reboot.target, reboot.type, ...(reboot.dry_run ? ['dry_run'] : [])];
  const requestHash = createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
  return { username: principal.username, key, requestHash };
}
