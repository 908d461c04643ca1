import type { ClusterNode, NodePod } from '@oshift/cluster-api';
import type { NodePhase } from '@oshift/jobs';

/**
 * A reboot's side in the cluster's own API (connected clusters), as pure decisions like {@link planRebootStep}:
 * before the reboot POST, the drain (cordon, evict every pod but DaemonSet and mirror pods, within the drain
 * timeout); after Nova shows the server back, the wait for the node to be `Ready` with a new boot id, then the
 * uncordon. From what the job row recorded and what the cluster's API shows now, what to do next. The handler and
 * the cluster's watcher gather the facts and carry the step out ({@link NodeDrainer}).
 */

/** What the job row says of the node in the cluster's API. */
export interface NodeRecord {
  phase: NodePhase | null;
  kubeNode: string | null;
  /** This job cordoned the node (null: nothing decided yet). */
  cordonedByJob: boolean | null;
  bootIdBefore: string | null;
  drainStartedAt: number | null;
}

/** What the cluster's API shows now: the node (null: no such node) and the pods that must leave it, or why not. */
export type NodeSeen = { node: ClusterNode | null; pods: NodePod[] } | { problem: string };

export interface DrainFacts {
  now: number;
  deadlineAt: number | null;
  /** A POST may take this long: the drain must end (either way) before the deadline is closer than this. */
  sendMarginMs: number;
  /** The job's node, as Nova names it. */
  target: string;
  /** The node's role drains (policy); when not, only its boot id is read before the reboot. */
  drain: boolean;
  drainTimeoutMs: number;
  record: NodeRecord;
  seen: NodeSeen;
}

export type DrainStep =
  /** Record the node, its boot id and (when draining) whether this job cordons it, then go on. */
  | { do: 'begin'; kubeNode: string; bootId: string; drain: boolean; cordon: boolean }
  /** Cordon the node (this job owns the cordon, and the node is not cordoned yet). */
  | { do: 'cordon' }
  /** Evict these pods (a PodDisruptionBudget may refuse: tried again at the next step). */
  | { do: 'evict'; pods: NodePod[] }
  /** Nothing is left to evict (or nothing was to be drained): the reboot may be sent. */
  | { do: 'drained' }
  /** The cluster's API does not answer, or the node is not there: look again after a poll. */
  | { do: 'wait'; problem: string }
  /** End the job, nothing sent; `uncordon` first when this job cordoned the node. */
  | { do: 'fail'; reason: string; uncordon: boolean };

/** A pod that must leave the node before its reboot: any but DaemonSet pods and mirror (static) pods. */
export function mustLeave(pod: NodePod): boolean {
  return !pod.daemonSet && !pod.mirror;
}

/** `namespace/name`, as a pod is named to a customer. */
export function podName(pod: NodePod): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Decides the drain's next step, before the reboot POST. Nothing is sent unless it ends `drained`. */
export function planDrainStep(facts: DrainFacts): DrainStep {
  const { now, deadlineAt, record, seen, target } = facts;
  const tooLate = deadlineAt !== null && now + facts.sendMarginMs >= deadlineAt;
  if (record.phase !== null && record.phase !== 'draining') return { do: 'drained' };
  const owned = record.cordonedByJob === true;
  const node = 'problem' in seen ? null : seen.node;

  if (record.phase === null) {
    if ('problem' in seen || !node) {
      const problem = 'problem' in seen ? apiDown(seen.problem) : notInCluster(target);
      if (!tooLate) return { do: 'wait', problem };
      return fail(`Deadline passed before the drain of ${target} could begin (${problem}): no reboot was sent`, false);
    }
    const begin = { kubeNode: node.name, bootId: node.bootId };
    // A node somebody else cordoned stays cordoned after the reboot: this job never uncordons it.
    return { do: 'begin', ...begin, drain: facts.drain, cordon: facts.drain && !node.unschedulable };
  }

  // Draining. The reasons say nothing of the cordon: the executor adds what the uncordon did.
  const started = record.drainStartedAt ?? now;
  const timedOut = now - started >= facts.drainTimeoutMs;
  if ('problem' in seen || !node) {
    const problem = 'problem' in seen ? apiDown(seen.problem) : notInCluster(target);
    if (!timedOut && !tooLate) return { do: 'wait', problem };
    // The API may be away: the uncordon is tried all the same, and the executor says whether it held.
    return fail(`${endOfDrain(facts, timedOut)} (${problem}): no reboot was sent.`, owned);
  }
  if (owned && !node.unschedulable) return { do: 'cordon' };
  const left = seen.pods.filter(mustLeave);
  if (left.length === 0) return { do: 'drained' };
  if (timedOut || tooLate) {
    const names = left.map(podName).join(', ');
    return fail(`${endOfDrain(facts, timedOut)}: pods that would not leave: ${names}. No reboot was sent.`, owned);
  }
  return { do: 'evict', pods: left };
}

function endOfDrain(facts: DrainFacts, timedOut: boolean): string {
  const seconds = Math.round(facts.drainTimeoutMs / 1000);
  return timedOut
    ? `The drain of ${facts.record.kubeNode ?? facts.target} did not finish in ${seconds} s`
    : `Deadline passed while draining ${facts.record.kubeNode ?? facts.target}`;
}

/** A cluster API failure in a line's or a reason's words. */
export function apiDown(problem: string): string {
  return `the cluster's API does not answer: ${problem}`;
}

function notInCluster(target: string): string {
  return `${target} is not a node of the cluster's Kubernetes API (by name, kubernetes.io/hostname or the cluster's node pattern)`;
}

export interface BackFacts {
  now: number;
  deadlineAt: number | null;
  target: string;
  record: NodeRecord;
  /** The node as the cluster's API shows it now (null: not there), or why it could not be asked. */
  seen: { node: ClusterNode | null } | { problem: string };
}

export type BackStep =
  /** Not back yet: say `line` (once), look again after a poll. */
  | { do: 'wait'; line: string }
  /** The node is Ready with a new boot id: record it and say `Ready: <node>`. */
  | { do: 'ready' }
  /** Uncordon the node this job cordoned. */
  | { do: 'uncordon' }
  | { do: 'done' }
  | { do: 'fail'; reason: string };

/**
 * Decides the next step once Nova shows the server back (`ACTIVE`): `Done` only when the node is `Ready` with a
 * boot id other than the one read before the reboot (a quick reboot may never show `NotReady`, so neither a
 * timestamp nor a `NotReady` seen is trusted), and uncordoned when this job cordoned it. Every path ends by the
 * deadline, saying what state the node was left in.
 */
export function planBackStep(facts: BackFacts): BackStep {
  const { now, deadlineAt, record, seen } = facts;
  const name = record.kubeNode ?? facts.target;
  const pastDeadline = deadlineAt !== null && now >= deadlineAt;
  const owned = record.cordonedByJob === true;
  const node = 'problem' in seen ? null : seen.node;
  const problem = 'problem' in seen ? seen.problem : null;
  const leftCordoned = owned ? ` ${name} was left cordoned.` : '';

  const waiting = problem
    ? `Waiting: ${apiDown(problem)}`
    : node
      ? `Waiting: ${name} is not Ready in the cluster`
      : `Waiting: ${name} is not in the cluster's node list`;
  const why = problem ? `the cluster's API did not answer (${problem})` : null;

  if (record.phase !== 'ready') {
    if (node !== null && node.ready && node.bootId !== record.bootIdBefore) return { do: 'ready' };
    if (!pastDeadline) return { do: 'wait', line: waiting };
    const notBack = why ?? (node ? 'it is not Ready in the cluster since its reboot' : 'it is not in the cluster');
    return {
      do: 'fail',
      reason: `Deadline passed waiting for ${name} to be back: Nova shows it ACTIVE but ${notBack}.${leftCordoned}`,
    };
  }

  // Ready again: uncordon what this job cordoned (a node already uncordoned, e.g. by a run that crashed after the
  // uncordon, is left as it is).
  if (!owned || (node !== null && !node.unschedulable)) return { do: 'done' };
  if (node !== null) return { do: 'uncordon' };
  if (!pastDeadline) return { do: 'wait', line: waiting };
  const gone = why ?? 'it left the cluster';
  return { do: 'fail', reason: `Deadline passed uncordoning ${name}: it is Ready again but ${gone}.${leftCordoned}` };
}

function fail(reason: string, uncordon: boolean): DrainStep {
  return { do: 'fail', reason, uncordon };
}

/** The lines a drain says: how many pods are left to evict. */
export function drainingLine(kubeNode: string, count: number): string {
  return `Draining: ${count} ${count === 1 ? 'pod' : 'pods'} to evict from ${kubeNode}`;
}

/** What a job row records of its node, for the planners. */
export function nodeRecordOf(job: {
  nodePhase: NodePhase | null;
  kubeNode: string | null;
  cordonedByJob: boolean | null;
  bootIdBefore: string | null;
  drainStartedAt: Date | null;
}): NodeRecord {
  return {
    phase: job.nodePhase,
    kubeNode: job.kubeNode,
    cordonedByJob: job.cordonedByJob,
    bootIdBefore: job.bootIdBefore,
    drainStartedAt: job.drainStartedAt?.getTime() ?? null,
  };
}
