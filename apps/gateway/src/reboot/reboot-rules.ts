import { Inject, Injectable, Optional } from '@nestjs/common';
import { ClusterApis, clusterReadiness } from '@oshift/cluster-api';
import {
  type AcceptGuard,
  type Admission,
  ClusterRules,
  cooldownLeftSeconds,
  cooldownReason,
  decideAdmission,
  decideInTurn,
  healthFacts,
  type NodeRole,
  type NodeSeen,
  RebootCooldownError,
  RebootRefusedError,
  type RebootPolicy,
  roleOf,
  type StoredPolicy,
  windowDecision,
  windowStatus,
  windowTime,
} from '@oshift/jobs';
import type { ClusterNode } from '@oshift/node-registry';
import { ClusterPolicyCache } from './cluster-policy.cache';
import { type Schedule, windowRefusal } from './job-intake';

/**
 * What the cluster's reboot rules say of a customer's request, from Postgres (policy, reboots in flight, the
 * node's last `Done` and active job) and the cluster's node list. The gateway only refuses what can never
 * start now (cooldown, a reboot the rules never allow); whether an accepted reboot starts or waits is the
 * worker's decision, under the cluster's lock. A dry run forecasts that decision with the same function.
 */
/** A request to start at once, with no deadline of its own (the forecast's default). */
export const ASAP: Schedule = { notBefore: null, override: false, deadlineMs: Number.POSITIVE_INFINITY };

/** A dry run's forecast: what the reboot would do now, why, and the role the cluster's rules give the node. */
export type RebootForecast = Admission & { role: NodeRole };

@Injectable()
export class RebootRules {
  constructor(
    @Inject(ClusterRules)
    private readonly rules: Pick<ClusterRules, 'nodeFacts' | 'inFlight' | 'waitingTurn' | 'releasedAgo'>,
    /** The policies as this gateway last read them, for {@link admit}. */
    @Inject(ClusterPolicyCache) private readonly policies: Pick<ClusterPolicyCache, 'get' | 'forget'>,
    /** Connected clusters' Kubernetes APIs: the forecast then judges masters by `Ready` too, as the worker does. */
    @Optional() @Inject(ClusterApis) private readonly apis?: Pick<ClusterApis, 'connection'>,
  ) {}

  /**
   * What a reboot of `target` would do now: `refuse` when the node has an active job, is inside its cooldown,
   * or the rules never allow it; else `wait` or `start` as the worker's admission would decide it, behind the
   * reboots that asked before and wait their turn. With the
   * node's role, so an operator sees how the rules read its name before it matters.
   */
  async forecast(
    clusterId: string,
    target: string,
    nodes: readonly ClusterNode[],
    schedule: Schedule = ASAP,
  ): Promise<RebootForecast> {
    const [facts, inFlight, ahead, releasedAgoMs] = await Promise.all([
      this.rules.nodeFacts(clusterId, target),
      this.rules.inFlight(clusterId),
      this.rules.waitingTurn(clusterId),
      this.rules.releasedAgo(clusterId),
    ]);
    const role = roleOf(target, facts.policy);
    if (facts.activeJobId) {
      return { would: 'refuse', reason: `a reboot of ${target} is already running (job ${facts.activeJobId})`, role };
    }
    const now = Date.now();
    const at = Math.max(now, schedule.notBefore ?? now);
    const left = cooldownLeftSeconds(facts.lastDoneAt, facts.policy, at);
    if (left > 0) return { would: 'refuse', reason: cooldownReason(target, left), role };
    const { policy } = facts;
    const timing = { now: at, deadlineAt: at + schedule.deadlineMs, windowOverride: schedule.override };
    if (at > now) {
      // Scheduled: the windows at its time, and the rules that depend on the cluster alone; the load then is unknown.
      const window = windowDecision(policy, at, timing.deadlineAt, schedule.override);
      const decision = window ?? decideAdmission({ target, policy, inFlight: [], nodes: seen(nodes), ...timing });
      if (decision.would !== 'start') return { ...decision, role };
      const open = policy.windows.length > 0 && !schedule.override ? 'inside a maintenance window' : 'any time';
      const closes = windowStatus(policy.windows, at);
      const until = open !== 'any time' && closes.open ? ` (until ${windowTime(closes.closesAt)})` : '';
      return {
        would: 'start',
        reason: `at ${windowTime(at)}, ${open}${until}, if the cluster's rules then allow it (the load then is not forecast)`,
        role,
      };
    }
    // A new request comes after every one that waits: the forecast waits its turn as the worker will make it.
    // With the nodes' health and settle times: which node is not Ready or not settled yet, and for how long still.
    const health = healthFacts(seen(nodes), this.apis ? await clusterReadiness(this.apis, clusterId) : null);
    const decision = decideInTurn({ target, policy, inFlight, ahead, ...health, releasedAgoMs, ...timing });
    return { ...decision, role };
  }

  /**
   * A real request's checks without a round trip of their own: the rules and the maintenance windows on the
   * policy this gateway holds, and the rest (the policy still in force, an active job, the cooldown) left to the
   * statement that records the job, through the guard answered. A request the policy held refuses is screened as
   * before from what Postgres holds now ({@link screen}, then the windows), so a refusal, and which one comes
   * first, never depends on the cache.
   */
  async admit(
    clusterId: string,
    target: string,
    nodes: readonly ClusterNode[],
    schedule: Schedule,
  ): Promise<AcceptGuard> {
    const at = Math.max(Date.now(), schedule.notBefore ?? 0);
    const held = await this.policies.get(clusterId);
    if (!neverAllowed(target, nodes, held.policy) && !windowRefusal(held.policy, schedule)) return guardOf(held, at);
    this.policies.forget(clusterId);
    const notBefore = schedule.notBefore === null ? undefined : new Date(schedule.notBefore);
    const policy = await this.screened(clusterId, target, nodes, notBefore);
    const refusal = windowRefusal(policy, schedule);
    if (refusal) throw refusal;
    // The policy in force allows what the one held refused: the guard holds the one read now.
    return guardOf(await this.policies.get(clusterId), at);
  }

  /**
   * Throws {@link RebootCooldownError} when the node is inside its cooldown (at `notBefore`, when scheduled), or {@link RebootRefusedError} when
   * the rules can never let its reboot start; whether it would start or wait now is left to the worker.
   */
  async screen(clusterId: string, target: string, nodes: readonly ClusterNode[], notBefore?: Date): Promise<void> {
    await this.screened(clusterId, target, nodes, notBefore);
  }

  /** {@link screen}, answering the policy it read. */
  private async screened(
    clusterId: string,
    target: string,
    nodes: readonly ClusterNode[],
    notBefore?: Date,
  ): Promise<RebootPolicy> {
    const facts = await this.rules.nodeFacts(clusterId, target);
    // A node with an active job is answered by that job (409 with its id), not by its cooldown. A scheduled
    // reboot's cooldown is the one at its time.
    const at = Math.max(Date.now(), notBefore?.getTime() ?? 0);
    const left = facts.activeJobId ? 0 : cooldownLeftSeconds(facts.lastDoneAt, facts.policy, at);
    if (left > 0) throw new RebootCooldownError(target, left);
    const refusal = neverAllowed(target, nodes, facts.policy);
    if (refusal) throw refusal;
    return facts.policy;
  }
}

/**
 * Why the rules can never let this reboot start ({@link RebootRefusedError}), or null. A refusal depends on the
 * cluster's nodes alone (which roles have peers), never on what is in flight. The windows are screened apart (the
 * intake screens them for both kinds of job): here only the rules of the nodes.
 */
function neverAllowed(target: string, nodes: readonly ClusterNode[], policy: RebootPolicy): RebootRefusedError | null {
  const decision = decideAdmission({ target, policy: { ...policy, windows: [] }, inFlight: [], nodes: seen(nodes) });
  return decision.would === 'refuse' ? new RebootRefusedError(decision.reason) : null;
}

function guardOf(held: StoredPolicy, at: number): AcceptGuard {
  return { policy: held.stored, cooldownSeconds: held.policy.cooldownSeconds, at: new Date(at) };
}

/** The nodes as the rules see them: name and Nova status. */
export function seen(nodes: readonly ClusterNode[]): NodeSeen[] {
  return nodes.map(({ nodename, status }) => ({ nodename, status }));
}
