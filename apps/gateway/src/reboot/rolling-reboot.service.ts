import { Inject, Injectable } from '@nestjs/common';
import { AuditAction } from '@oshift/audit';
import { NodeRegistry } from '@oshift/node-registry';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { type IntakeRoute, JobIntake, RoutedIntake } from './job-intake';
import {
  parseRollingRebootRequest,
  type RollingRebootRequestDto,
  rollingTarget,
  rollingTargetOf,
} from './rolling-reboot-request.dto';
import { type RollingForecast, RollingRules } from './rolling-rules';

/**
 * Decides rolling reboot requests through the one intake path ({@link JobIntake.request}), as a reboot is
 * decided; what is a rolling reboot's own is named here: its body (`role`, `type`, `dry_run`), its job (kind
 * `rolling`, target `rolling:<role>`, one reboot's deadline per node of its plan), and the rules for a plan (the
 * role has nodes, the rules allow every one of them some day; a dry run answers the plan and what its first node
 * would do now). Every decision is audited as `cluster.rolling-reboot`.
 */
@Injectable()
export class RollingRebootService extends RoutedIntake<RollingRebootRequestDto, RollingForecast> {
  protected readonly route: IntakeRoute<RollingRebootRequestDto, RollingForecast>;

  constructor(
    @Inject(NodeRegistry) registry: Pick<NodeRegistry, 'listNodes'>,
    @Inject(RollingRules) rules: Pick<RollingRules, 'plan' | 'forecast'>,
    @Inject(JobIntake) intake: Pick<JobIntake, 'request'>,
    @Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'jobs'>,
  ) {
    super(registry, intake);
    this.route = {
      action: AuditAction.rollingReboot,
      name: 'rolling-reboot',
      parse: parseRollingRebootRequest,
      rawTarget: (body) => rollingTargetOf({ body }),
      target: (value) => rollingTarget(value.role),
      subject: (value) => value.role,
      detail: (value) => ({ role: value.role }),
      forecast: (clusterId, { role }, nodes, schedule) => rules.forecast(clusterId, role, nodes, schedule),
      screen: async (clusterId, { role }, nodes) => {
        const plan = await rules.plan(clusterId, role, nodes);
        // Each node gets the time a single reboot gets.
        return { kind: 'rolling', rollingRole: role, deadlineMs: config.jobs.deadlineMs * plan.length };
      },
    };
  }
}
