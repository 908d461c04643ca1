import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import { type IdempotencyClaim, NoNodeOfRoleError, RebootRefusedError } from '@oshift/jobs';
import { NodeRegistry } from '@oshift/node-registry';
import type { AuditedRequest } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { type Asked, JobIntake, type RebootStarted } from './job-intake';
import { parseIdempotencyKey } from './reboot-request.dto';
import {
  parseRollingRebootRequest,
  type RollingRebootRequestDto,
  rollingTarget,
  rollingTargetOf,
} from './rolling-reboot-request.dto';
import { type RollingForecast, RollingRules } from './rolling-rules';

/**
 * Decides rolling reboot requests: one job (kind `rolling`, target `rolling:<role>`) that the worker drives node
 * by node, each within the cluster's rules. It checks the input, that the role has nodes and that the rules
 * allow every one of them some day, then records the job and hands it to the workers as a reboot is
 * ({@link JobIntake}: `Idempotency-Key`, `accepted` record with the job, enqueue). A dry run answers the plan
 * and what its first node would do now. Every decision is audited as `cluster.rolling-reboot`.
 */
@Injectable()
export class RollingRebootService {
  constructor(
    @Inject(NodeRegistry) private readonly registry: Pick<NodeRegistry, 'listNodes'>,
    @Inject(RollingRules) private readonly rules: Pick<RollingRules, 'plan' | 'forecast'>,
    @Inject(JobIntake) private readonly intake: Pick<JobIntake, 'checked' | 'replay' | 'start' | 'record'>,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'jobs'>,
  ) {}

  /** Starts a rolling reboot of the role `body` names (`role`, `type`), or with `dry_run` forecasts it. */
  async request(
    clusterId: string,
    body: unknown,
    principal: Principal,
    request: AuditedRequest,
    idempotencyHeader?: string | string[],
  ): Promise<RebootStarted | RollingForecast> {
    const action = AuditAction.rollingReboot;
    const raw = { action, request, principal, clusterId, target: rollingTargetOf({ body }) };
    const checked = await this.intake.checked(
      raw,
      parseRollingRebootRequest(body),
      parseIdempotencyKey(idempotencyHeader),
    );
    const { role, type, dry_run: dryRun } = checked.value;
    const target = rollingTarget(role);
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
    const refused = async (error: unknown): Promise<never> => {
      if (error instanceof NoNodeOfRoleError) {
        await this.intake.record(asked, AuditOutcome.refused, { reason: 'no node of the role', role });
      } else if (error instanceof RebootRefusedError) {
        await this.intake.record(asked, AuditOutcome.refused, { reason: 'cluster rules', rule: error.reason });
      }
      throw error;
    };

    if (dryRun) {
      const forecast = await this.rules.forecast(clusterId, role, nodes).catch(refused);
      await this.intake.record(asked, AuditOutcome.dryRun, { type, role, ...forecast });
      return forecast;
    }
    const plan = await this.rules.plan(clusterId, role, nodes).catch(refused);
    return this.intake.start(asked, {
      target,
      type,
      kind: 'rolling',
      rollingRole: role,
      // Each node gets the time a single reboot gets.
      deadlineMs: this.config.jobs.deadlineMs * plan.length,
      idempotency: claim,
    });
  }
}

/** The key of this user with a digest of what the request asks for: another request under it is a 422. */
function idempotencyClaim(
  principal: Principal,
  key: string,
  clusterId: string,
  rolling: RollingRebootRequestDto,
): IdempotencyClaim {
  const asked = ['rolling-reboot', clusterId, rolling.role, rolling.type, ...(rolling.dry_run ? ['dry_run'] : [])];
  const requestHash = createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
  return { username: principal.username, key, requestHash };
}
