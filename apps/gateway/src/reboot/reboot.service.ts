import { Inject, Injectable } from '@nestjs/common';
import { AuditAction } from '@oshift/audit';
import { NodeNotFoundError, NodeRegistry } from '@oshift/node-registry';
import { type IntakeRoute, JobIntake, RoutedIntake } from './job-intake';
import { parseRebootRequest, type RebootRequestDto, rebootTargetOf } from './reboot-request.dto';
import { type RebootForecast, RebootRules } from './reboot-rules';

export type { RebootStarted } from './job-intake';
/** A dry run's answer: what the reboot would do now (`start`, `wait` or `refuse`), why, and the node's role. */
export type { RebootForecast } from './reboot-rules';

/**
 * Decides reboot requests through the one intake path ({@link JobIntake.request}); what is a reboot's own is
 * named here: its body (`target`, `type`, `dry_run`), that the node must be one of the cluster's, and the
 * cluster's rules for one node (cooldown, a reboot they never allow, the windows; a dry run's forecast), decided on
 * the policy this gateway holds and checked by the statement that records the job ({@link RebootRules.admit}). A request repeated
 * with its `Idempotency-Key` gets the first answer again and starts nothing.
 */
@Injectable()
export class RebootService extends RoutedIntake<RebootRequestDto, RebootForecast> {
  protected readonly route: IntakeRoute<RebootRequestDto, RebootForecast>;

  constructor(
    @Inject(NodeRegistry) registry: Pick<NodeRegistry, 'listNodes'>,
    @Inject(RebootRules) rules: Pick<RebootRules, 'forecast' | 'admit'>,
    @Inject(JobIntake) intake: Pick<JobIntake, 'request'>,
  ) {
    super(registry, intake);
    this.route = {
      action: AuditAction.nodeReboot,
      name: 'reboot',
      parse: parseRebootRequest,
      rawTarget: (body) => rebootTargetOf({ body }),
      target: (value) => value.target,
      subject: (value) => value.target,
      detail: () => ({}),
      forecast: async (clusterId, { target }, nodes, schedule) => {
        known(clusterId, target, nodes);
        return rules.forecast(clusterId, target, nodes, schedule);
      },
      screen: async (clusterId, { target }, nodes, schedule) => {
        known(clusterId, target, nodes);
        return { guard: await rules.admit(clusterId, target, nodes, schedule) };
      },
    };
  }
}

/** Throws {@link NodeNotFoundError} unless `target` is one of the cluster's nodes. */
function known(clusterId: string, target: string, nodes: readonly { nodename: string }[]): void {
  if (!nodes.some((node) => node.nodename === target)) throw new NodeNotFoundError(clusterId, target);
}
