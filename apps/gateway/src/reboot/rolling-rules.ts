import { Inject, Injectable } from '@nestjs/common';
import {
  type Admission,
  ClusterRules,
  decideAdmission,
  NoNodeOfRoleError,
  type NodeRole,
  type RebootPolicy,
  RebootRefusedError,
  roleOf,
  rollingPlan,
  type RollingRole,
} from '@oshift/jobs';
import type { ClusterNode } from '@oshift/node-registry';
import type { Schedule } from './job-intake';
import { ASAP, RebootRules, seen } from './reboot-rules';
import { rollingTarget } from './rolling-reboot-request.dto';

/**
 * A rolling reboot's dry run: what its first node would do now, every node it takes, in order, and the role the
 * cluster's rules give each node of the cluster (so a node whose name the rules misread shows before it matters).
 */
export type RollingForecast = Admission & { nodes: string[]; roles: Record<string, NodeRole> };

/**
 * What the cluster's rules say of a rolling reboot request: the nodes it takes, in order (by role: worker, other,
 * infra, master, haproxy; within a role as Nova lists them), a refusal when the rules never allow one of them
 * (it would stop there), and for a dry run what its first node would do now. The order each node waits its turn
 * in is the worker's.
 */
@Injectable()
export class RollingRules {
  constructor(
    @Inject(ClusterRules) private readonly rules: Pick<ClusterRules, 'nodeFacts'>,
    @Inject(RebootRules) private readonly single: Pick<RebootRules, 'forecast'>,
  ) {}

  /**
   * The nodes a rolling reboot of `role` takes, in order. Throws {@link NoNodeOfRoleError} when there is none,
   * {@link RebootRefusedError} when the rules never allow one of them.
   */
  async plan(clusterId: string, role: RollingRole, nodes: readonly ClusterNode[]): Promise<string[]> {
    const { policy } = await this.rules.nodeFacts(clusterId, rollingTarget(role));
    const plan = planOf(role, nodes, policy);
    const refusal = neverAllowed(plan, nodes, policy);
    if (refusal) throw new RebootRefusedError(refusal);
    return plan;
  }

  /**
   * A dry run: the plan, with `refuse` when a rolling reboot of the role already runs or the rules never allow
   * one of its nodes, else what its first node would do now. Throws {@link NoNodeOfRoleError} as {@link plan}.
   */
  async forecast(
    clusterId: string,
    role: RollingRole,
    nodes: readonly ClusterNode[],
    schedule: Schedule = ASAP,
  ): Promise<RollingForecast> {
    const { policy, activeJobId } = await this.rules.nodeFacts(clusterId, rollingTarget(role));
    const plan = planOf(role, nodes, policy);
    const roles = Object.fromEntries(nodes.map((node) => [node.nodename, roleOf(node.nodename, policy)]));
    if (activeJobId) {
      const reason = `a rolling reboot of ${role} is already running (job ${activeJobId})`;
      return { would: 'refuse', reason, nodes: plan, roles };
    }
    const refusal = neverAllowed(plan, nodes, policy);
    if (refusal) return { would: 'refuse', reason: refusal, nodes: plan, roles };
    // Its first node, with the whole rolling reboot's deadline (one reboot's per node).
    const whole = { ...schedule, deadlineMs: schedule.deadlineMs * plan.length };
    const { would, reason } = await this.single.forecast(clusterId, plan[0]!, nodes, whole);
    return { would, reason, nodes: plan, roles };
  }
}

function planOf(role: RollingRole, nodes: readonly ClusterNode[], policy: RebootPolicy): string[] {
  const plan = rollingPlan(
    role,
    nodes.map((node) => node.nodename),
    policy,
  );
  if (plan.length === 0) throw new NoNodeOfRoleError(role);
  return plan;
}

/** The refusal of the first node of the plan the rules never allow (it depends on the nodes alone), or null. */
function neverAllowed(plan: readonly string[], nodes: readonly ClusterNode[], policy: RebootPolicy): string | null {
  for (const target of plan) {
    const decision = decideAdmission({ target, policy: { ...policy, windows: [] }, inFlight: [], nodes: seen(nodes) });
    if (decision.would === 'refuse') return decision.reason;
  }
  return null;
}
