import { windowStatus, windowTime } from './maintenance-windows';
import { type NodeRole, type RebootPolicy, roleOf } from './reboot-policy';

/**
 * The one decision a cluster's reboot rules make: may this node's reboot start now, wait, or never? Pure: the
 * gateway (dry run) and the worker (admission, under the cluster's lock) feed it the same facts.
 */

/**
 * A node as the rules see it: its name and Nova status and, on a connected cluster, its Kubernetes `Ready`
 * condition (absent: not connected, or no Kubernetes node matched the server).
 */
export interface NodeSeen {
  nodename: string;
  status: string;
  /** The Kubernetes node reports `Ready=True`. */
  ready?: boolean;
  /** How long it has reported it (ms, since the condition's `lastTransitionTime`); null when unknown. */
  readyForMs?: number | null;
}

/** What the rules need of a Kubernetes node (the cluster API's `ClusterNode` fits). */
export interface KubeNodeHealth {
  ready: boolean;
  /** The `Ready` condition's `lastTransitionTime` while it is `True`. */
  readySince: Date | null;
}

/**
 * The nodes as the rules see them on a connected cluster: each with its Kubernetes node's `Ready` and for how long
 * (`match` finds the Kubernetes node of a server, null when none matches: the rules then hold masters back).
 */
export function withKubeHealth(
  nodes: readonly NodeSeen[],
  match: (nodename: string) => KubeNodeHealth | null,
  now = Date.now(),
): NodeSeen[] {
  return nodes.map((node) => {
    const kube = match(node.nodename);
    if (!kube) return { nodename: node.nodename, status: node.status };
    const readyForMs = kube.ready && kube.readySince ? Math.max(0, now - kube.readySince.getTime()) : null;
    return { nodename: node.nodename, status: node.status, ready: kube.ready, readyForMs };
  });
}

/**
 * The facts of a cluster's Kubernetes API for the rules (structurally the cluster API's `ClusterReadiness`): not
 * connected (null), unreadable now (`problem`), or each server's node (`match`).
 */
export type KubeReadiness = null | { problem: string } | { match: (nodename: string) => KubeNodeHealth | null };

/** The nodes and `kube` facts of {@link AdmissionFacts} from Nova's nodes and the cluster's readiness. */
export function healthFacts(
  nodes: readonly NodeSeen[],
  readiness: KubeReadiness,
  now = Date.now(),
): Pick<AdmissionFacts, 'nodes' | 'kube'> {
  if (readiness === null) return { nodes };
  if ('problem' in readiness) return { nodes, kube: { problem: readiness.problem } };
  return { nodes: withKubeHealth(nodes, readiness.match, now), kube: { problem: null } };
}

export interface AdmissionFacts {
  target: string;
  policy: RebootPolicy;
  /** The cluster's reboots in flight (admitted and not released: the node not back yet), this one excepted. */
  inFlight: readonly string[];
  /** The cluster's nodes with their Nova status, as recently seen. */
  nodes: readonly NodeSeen[];
  /**
   * How long ago each node's last reboot was released (ms, by Postgres' clock): the node was back at rest then.
   * A node never rebooted here is absent (settled).
   */
  releasedAgoMs?: Readonly<Record<string, number>>;
  /**
   * The cluster is connected to its Kubernetes API (absent: not connected; settle times then count from the
   * release alone): `problem` says why its nodes could not be read now (null: read, see {@link NodeSeen.ready}).
   */
  kube?: { problem: string | null };
  /** The time of the decision (ms since the epoch; now unless given), for the maintenance windows. */
  now?: number;
  /** The job's deadline (ms since the epoch), if it has one: a window that opens only after it is a refusal. */
  deadlineAt?: number | null;
  /** The customer overrode the maintenance windows (`override_window`): they do not hold this reboot back. */
  windowOverride?: boolean;
}

/** What the rules say of a reboot now. `reason` is a plain sentence without a trailing period. */
export type Admission =
  { would: 'start'; reason: string } | { would: 'wait'; reason: string } | { would: 'refuse'; reason: string };

/** Names a few nodes, then how many more: `a, b and 3 more`. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 3);
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : (shown[0] ?? '');
}

/** Whole seconds, rounded up (a node settled in 0.2 s is not settled yet). */
const seconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * Why a node may not stand in for its peers now (`… is rebooting`, `… is SHUTOFF`, `… is not Ready in the
 * cluster`, `… is not settled yet …`), or null when it may: not in flight, `ACTIVE`, `Ready` on a connected
 * cluster, and settled for its role's settle time, counted from the later of its `Ready` transition (connected)
 * and its last reboot's release. A quick reboot may never show `NotReady`, so the release bounds the `Ready`
 * time from below.
 */
export function unsettled(node: NodeSeen, facts: AdmissionFacts, inFlight: ReadonlySet<string>): string | null {
  const { nodename } = node;
  if (inFlight.has(nodename)) return `${nodename} is rebooting`;
  if (node.status !== 'ACTIVE') return `${nodename} is ${node.status}`;
  const role = roleOf(nodename, facts.policy);
  // HAProxy VMs are not Kubernetes nodes: Nova and the settle time alone speak for them.
  const kube = facts.kube?.problem === null && role !== 'haproxy';
  if (kube) {
    if (node.ready === undefined) return `${nodename} is not found among the cluster's Kubernetes nodes`;
    if (!node.ready) return `${nodename} is not Ready in the cluster`;
  }
  const left = settleLeftMs(node, facts);
  if (left <= 0) return null;
  const settle = facts.policy.roles[role].settleSeconds;
  const since = settle * 1000 - left;
  // Which time it counts from: the Ready transition, unless the release came after it.
  const released = facts.releasedAgoMs?.[nodename] ?? Number.POSITIVE_INFINITY;
  const back = kube && node.readyForMs != null && node.readyForMs <= released ? 'Ready' : 'back';
  // Back for whole seconds rounded down, still to go rounded up: the two never add up to more than the settle time.
  return `${nodename} is not settled yet (${back} ${Math.floor(since / 1000)} s of ${settle} s, ${seconds(left)} s still)`;
}

/** How long (ms) the node still settles: 0 when it has been back for its role's settle time. */
export function settleLeftMs(node: NodeSeen, facts: AdmissionFacts): number {
  const settleMs = facts.policy.roles[roleOf(node.nodename, facts.policy)].settleSeconds * 1000;
  if (settleMs <= 0) return 0;
  const released = facts.releasedAgoMs?.[node.nodename];
  const ready = facts.kube?.problem === null ? (node.readyForMs ?? undefined) : undefined;
  const known = [released, ready].filter((ms): ms is number => ms !== undefined);
  if (known.length === 0) return 0;
  return Math.max(0, settleMs - Math.min(...known));
}

/**
 * The rules: at most `maxParallel` reboots of the node's role in flight (for roles without a quorum rule, nodes
 * still settling count too); a master only when the policy's number of masters is in Nova's listing and every
 * other master is `ACTIVE`, not rebooting, `Ready` on a connected cluster, and settled (etcd keeps its quorum);
 * an HAProxy node only when another HAProxy node is so (the cluster keeps a front door), never when it is the
 * only one. A node whose earlier reboot is not over yet (its node not back at rest) waits for it.
 */
export function decideAdmission(facts: AdmissionFacts): Admission {
  const { target, policy } = facts;
  const window = windowDecision(policy, facts.now ?? Date.now(), facts.deadlineAt ?? null, facts.windowOverride);
  if (window) return window;
  if (facts.inFlight.includes(target)) {
    return { would: 'wait', reason: `an earlier reboot of ${target} is not over yet: the node is not back at rest` };
  }
  const role = roleOf(target, policy);
  const inFlight = new Set(facts.inFlight);
  const sameRole = [...inFlight].filter((name) => roleOf(name, policy) === role);
  const peers = facts.nodes.filter((node) => node.nodename !== target && roleOf(node.nodename, policy) === role);
  const { maxParallel } = policy.roles[role];
  if (sameRole.length >= maxParallel) {
    return { would: 'wait', reason: `${listed(sameRole)} ${sameRole.length === 1 ? 'is' : 'are'} rebooting` };
  }
  if (role === 'master') return masterDecision(facts, peers, inFlight);
  if (role === 'haproxy') return haproxyDecision(facts, peers, inFlight);
  const settling = peers.filter((node) => !inFlight.has(node.nodename) && settleLeftMs(node, facts) > 0);
  if (sameRole.length + settling.length >= maxParallel) {
    const [first] = settling.map((node) => unsettled(node, facts, inFlight));
    return { would: 'wait', reason: `${first}: ${role} nodes settling count against max_parallel ${maxParallel}` };
  }
  return {
    would: 'start',
    reason: `${sameRole.length} of at most ${maxParallel} ${role} reboot${maxParallel === 1 ? '' : 's'} in flight`,
  };
}

function masterDecision(facts: AdmissionFacts, peers: readonly NodeSeen[], inFlight: ReadonlySet<string>): Admission {
  const why = peers.map((node) => unsettled(node, facts, inFlight)).filter((reason) => reason !== null);
  if (why.length > 0) {
    const rest = why.length > 1 ? ` (${why.length - 1} more master${why.length > 2 ? 's' : ''} not back)` : '';
    return { would: 'wait', reason: `${why[0]}: etcd needs every other master${rest}` };
  }
  const listedMasters = peers.length + 1;
  if (listedMasters < facts.policy.masters) {
    return {
      would: 'wait',
      reason: `only ${listedMasters} of the cluster's ${facts.policy.masters} masters are in Nova's listing: etcd needs every other master`,
    };
  }
  if (facts.kube?.problem) {
    return {
      would: 'wait',
      reason: `the cluster's Kubernetes API cannot be read (${facts.kube.problem}): etcd needs every other master Ready`,
    };
  }
  return { would: 'start', reason: `every other master is ${facts.kube ? 'Ready' : 'ACTIVE'} and settled` };
}

function haproxyDecision(facts: AdmissionFacts, peers: readonly NodeSeen[], inFlight: ReadonlySet<string>): Admission {
  const { target } = facts;
  if (peers.length === 0) {
    return {
      would: 'refuse',
      reason: `${target} is the cluster's only HAProxy node: rebooting it takes the cluster offline`,
    };
  }
  const why = peers.map((node) => unsettled(node, facts, inFlight));
  if (why.every((reason) => reason !== null)) {
    return { would: 'wait', reason: `no other HAProxy node is ACTIVE and settled (${listed(why as string[])})` };
  }
  return { would: 'start', reason: `another HAProxy node is ACTIVE and settled` };
}

/**
 * What the maintenance windows say of a reboot at `at` (null: nothing, a window is open, there is none, or the
 * customer overrode them): `wait` until the next window opens, or `refuse` when it opens only at or after the
 * job's deadline (or never).
 */
export function windowDecision(
  policy: RebootPolicy,
  at: number,
  deadlineAt: number | null,
  overridden = false,
): Admission | null {
  if (overridden) return null;
  const status = windowStatus(policy.windows, at);
  if (status.open) return null;
  if (status.nextOpen === null) return { would: 'refuse', reason: 'no maintenance window opens in the next two weeks' };
  const opens = windowTime(status.nextOpen);
  if (deadlineAt !== null && status.nextOpen >= deadlineAt) {
    return {
      would: 'refuse',
      reason: `outside the maintenance window; the next opens ${opens}, after the job's deadline (${windowTime(deadlineAt)})`,
    };
  }
  return { would: 'wait', reason: `outside the maintenance window; next opens ${opens}` };
}

/** {@link decideInTurn}'s facts: the admission's, and who asked before. */
export interface TurnFacts extends AdmissionFacts {
  /** The cluster's reboots asked before this one that have not started yet, oldest first (node names). */
  ahead: readonly string[];
}

/**
 * {@link decideAdmission} in request order, within the node's role: a reboot the rules would start now still waits
 * when starting it would hold back one of its role that asked before. The older ones are taken in order, each
 * counted as started if the rules would start it now (an older one that cannot start anyway, say a master
 * waiting for a peer that is down, holds nobody back); this one starts only if it still may after them.
 */
export function decideInTurn(facts: TurnFacts): Admission {
  const now = decideAdmission(facts);
  if (now.would !== 'start') return now;
  const { target, policy } = facts;
  const role = roleOf(target, policy);
  const started = [...facts.inFlight];
  const first: string[] = [];
  for (const name of facts.ahead) {
    if (name === target || roleOf(name, policy) !== role) continue;
    if (decideAdmission({ ...facts, target: name, inFlight: started }).would !== 'start') continue;
    started.push(name);
    first.push(name);
  }
  if (first.length === 0 || decideAdmission({ ...facts, inFlight: started }).would === 'start') return now;
  return { would: 'wait', reason: `${listed(first)} asked first` };
}

/**
 * Which waiting reboots to wake when a reboot of the cluster ends: per role, the oldest ones, as many as the
 * role may have in flight (only they can start; the others would wait behind them). `waiting` is oldest first.
 */
export function turnHeads<T extends { target: string }>(waiting: readonly T[], policy: RebootPolicy): T[] {
  const taken = new Map<NodeRole, number>();
  return waiting.filter((job) => {
    const role = roleOf(job.target, policy);
    const count = taken.get(role) ?? 0;
    taken.set(role, count + 1);
    return count < policy.roles[role].maxParallel;
  });
}

/** Seconds until a node may be rebooted again after its last `Done` at `lastDoneAt`; 0 when it may now. */
export function cooldownLeftSeconds(lastDoneAt: Date | null, policy: RebootPolicy, now = Date.now()): number {
  if (!lastDoneAt || policy.cooldownSeconds <= 0) return 0;
  const left = lastDoneAt.getTime() + policy.cooldownSeconds * 1000 - now;
  return left > 0 ? Math.ceil(left / 1000) : 0;
}
