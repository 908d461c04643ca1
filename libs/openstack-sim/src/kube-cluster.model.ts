import { createHash, randomUUID } from 'node:crypto';
import { KubeNode, type NodeReadiness, type NotReadyPeriod } from './kube-node.model';
import { type KubePdb, pdbBudget, type PdbBudget, selectorMatches } from './kube-pdb';
import { clusterWorkloads, type KubePod, type KubeWorkload, newPod } from './kube-workloads';
import type { NovaInstance } from './nova-instance.model';
import { roleOf } from './sim-stats';
import type { SimKnobs } from './sim.types';

/** How long a replacement pod stays Pending before the scheduler binds it (when a node can take it). */
export const SCHEDULE_DELAY_MS = 1000;

/** A node as the API shows it at one moment. */
export interface KubeNodeState {
  node: KubeNode;
  readiness: NodeReadiness;
  createdAt: number;
}

/** A pod as the API shows it at one moment. */
export interface KubePodState {
  pod: KubePod;
  ready: boolean;
  /** When the pod's Ready condition last changed. */
  readySince: number;
}

/** A budget with its computed status. */
export interface KubePdbState {
  pdb: KubePdb;
  budget: PdbBudget;
}

/** What an eviction (or a delete) came to. */
export type EvictionOutcome =
  { ok: true; pod: KubePod } | { ok: false; code: 404 | 429 | 500; message: string; cause?: string };

/** The non-DaemonSet, non-mirror pods bound to a node when Nova accepted a reboot of it. */
export interface SimPodsAtReboot {
  node: string;
  /** Ms since the epoch, by the simulator's clock. */
  at: number;
  /** `namespace/name` of each pod (terminating ones included: they are still on the node). */
  pods: string[];
}

/** The Kubernetes counters of one cluster. */
export interface SimKubeStats {
  /** The most master nodes not Ready at the same moment, over the whole run. */
  maxMastersNotReady: number;
  /** Master nodes not Ready now. */
  mastersNotReadyNow: number;
  /** One entry per reboot Nova accepted of a cluster node, oldest first. */
  podsAtReboot: SimPodsAtReboot[];
}

/** Where a client reaches a cluster's Kubernetes API. */
export interface SimKubeAccess {
  /** `http://…/kubernetes/<project-id>` (the simulator's own listener). */
  url: string;
  /** The bearer token of that cluster's API. */
  token: string;
  /** `https://…/kubernetes/<project-id>`: the same API over TLS. */
  tlsUrl: string;
  /** The PEM of the TLS listener's self-signed certificate (the CA to trust). */
  caPem: string;
}

/** A node as tests read it (what `kubectl get node -o json` shows, in short). */
export interface SimKubeNode {
  name: string;
  ready: boolean;
  /** When `Ready` last changed, ms since the epoch. */
  readySince: number;
  bootId: string;
  unschedulable: boolean;
}

/** A pod as tests read it. */
export interface SimKubePod {
  namespace: string;
  name: string;
  nodeName: string | null;
  daemonSet: boolean;
  mirror: boolean;
  ready: boolean;
  terminating: boolean;
}

/** What a cluster needs from the cloud it runs in. */
export interface KubeClusterEnv {
  clock: () => number;
  knobsFor: (serverId?: string) => SimKnobs;
}

/**
 * The Kubernetes cluster a simulated project runs: one node per server that is a cluster node (not `haproxy-*`),
 * its workloads' pods, PodDisruptionBudgets (the quorum guard's: `maxUnavailable: 1`), cordon, the Eviction API's
 * decisions, and the counters the acceptance tests read. Pods change lazily: each read first applies what
 * happened since (terminations that ended, replacements scheduled).
 */
export class KubeCluster {
  /** The bearer token of this cluster's API (stable for a project across restarts). */
  readonly token: string;
  private readonly nodes = new Map<string, KubeNode>();
  private readonly workloads: KubeWorkload[];
  private pods: KubePod[] = [];
  private readonly pdbs: KubePdb[] = [];
  private readonly atReboot: SimPodsAtReboot[] = [];

  constructor(
    readonly projectId: string,
    instances: readonly NovaInstance[],
    private readonly env: KubeClusterEnv,
    readonly createdAt: number,
  ) {
    this.token = `sha256~${createHash('sha256').update(`oshift-openstack-sim-kube\u0000${projectId}`).digest('base64url').slice(0, 43)}`;
    const members = instances.filter((instance) => roleOf(instance.name) !== 'haproxy');
    members.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const instance of members) this.nodes.set(instance.name, new KubeNode(instance, roleOf(instance.name)));
    this.workloads = clusterWorkloads(members.map((instance) => roleOf(instance.name)));
    for (const workload of this.workloads)
      for (const node of this.nodes.values())
        if (workload.roles.includes(node.role)) this.pods.push(newPod(workload, node.name, createdAt));
    const guard = this.workloads.find((w) => w.deployment === 'etcd-quorum-guard');
    if (guard)
      this.pdbs.push({
        uid: randomUUID(),
        namespace: guard.namespace,
        name: 'etcd-quorum-guard',
        createdAt,
        selector: { matchLabels: { 'k8s-app': 'etcd-quorum-guard' } },
        maxUnavailable: 1,
      });
  }

  /** Every node at `now`, by name. */
  nodeStates(now = this.env.clock()): KubeNodeState[] {
    return [...this.nodes.values()].map((node) => this.nodeState(node, now));
  }

  /** One node at `now`, or undefined. */
  nodeByName(name: string, now = this.env.clock()): KubeNodeState | undefined {
    const node = this.nodes.get(name);
    return node && this.nodeState(node, now);
  }

  /** A node in short, for tests. */
  simNode(name: string): SimKubeNode | undefined {
    const state = this.nodeByName(name);
    if (!state) return undefined;
    const { readiness, node } = state;
    return {
      name,
      ready: readiness.ready,
      readySince: readiness.since,
      bootId: readiness.bootId,
      unschedulable: node.unschedulable,
    };
  }

  /** The pods (on `nodeName` when given) in short, for tests. */
  simPods(nodeName?: string): SimKubePod[] {
    return this.podStates({ nodeName }).map(({ pod, ready }) => ({
      namespace: pod.namespace,
      name: pod.name,
      nodeName: pod.nodeName,
      daemonSet: pod.workload.kind === 'DaemonSet',
      mirror: pod.workload.kind === 'Mirror',
      ready,
      terminating: pod.deletedAt !== null,
    }));
  }

  /** Cordons (true) or uncordons (false) a node; false when there is no such node. */
  setUnschedulable(name: string, unschedulable: boolean): boolean {
    const node = this.nodes.get(name);
    if (!node) return false;
    node.unschedulable = unschedulable;
    return true;
  }

  /** The pods at `now` (in `namespace`, on `nodeName` when given), by namespace and name. */
  podStates(filter: { namespace?: string; nodeName?: string } = {}, now = this.env.clock()): KubePodState[] {
    this.sync(now);
    const readiness = this.readinessByNode(now);
    return this.pods
      .filter((pod) => filter.namespace === undefined || pod.namespace === filter.namespace)
      .filter((pod) => filter.nodeName === undefined || pod.nodeName === filter.nodeName)
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
      .map((pod) => this.podState(pod, readiness));
  }

  /** One pod at `now`, or undefined. */
  pod(namespace: string, name: string, now = this.env.clock()): KubePodState | undefined {
    return this.podStates({ namespace }, now).find((state) => state.pod.name === name);
  }

  /** The budgets (of `namespace` when given) with their status at `now`. */
  pdbStates(namespace?: string, now = this.env.clock()): KubePdbState[] {
    const pods = this.podStates({}, now);
    return this.pdbs
      .filter((pdb) => namespace === undefined || pdb.namespace === namespace)
      .map((pdb) => ({ pdb, budget: this.budget(pdb, pods) }));
  }

  /** Adds a budget; false when one of that name exists in its namespace. */
  addPdb(pdb: Omit<KubePdb, 'uid' | 'createdAt'>, now = this.env.clock()): KubePdb | null {
    if (this.pdbs.some((p) => p.namespace === pdb.namespace && p.name === pdb.name)) return null;
    const created = { ...pdb, uid: randomUUID(), createdAt: now };
    this.pdbs.push(created);
    return created;
  }

  /** Removes a budget; false when there is none of that name. */
  deletePdb(namespace: string, name: string): KubePdb | null {
    const index = this.pdbs.findIndex((p) => p.namespace === namespace && p.name === name);
    return index < 0 ? null : this.pdbs.splice(index, 1)[0];
  }

  /**
   * The Eviction API (pkg/registry/core/pod/storage/eviction.go): a pending or terminating pod is deleted
   * without a budget check; a pod under more than one budget is refused (500); otherwise its budget must allow a
   * disruption (an unready pod may go while the budget is met), else `429 TooManyRequests`.
   */
  evict(namespace: string, name: string, now = this.env.clock()): EvictionOutcome {
    const pods = this.podStates({}, now);
    const state = pods.find((p) => p.pod.namespace === namespace && p.pod.name === name);
    if (!state) return { ok: false, code: 404, message: `pods "${name}" not found` };
    const { pod } = state;
    if (pod.nodeName === null || pod.deletedAt !== null) return this.deletePod(namespace, name, now);
    const budgets = this.pdbs.filter((p) => p.namespace === namespace && selectorMatches(p.selector, pod.labels));
    if (budgets.length > 1)
      return {
        ok: false,
        code: 500,
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      };
    if (budgets.length === 1) {
      const budget = this.budget(budgets[0], pods);
      const unreadyAllowed =
        !state.ready && budget.currentHealthy >= budget.desiredHealthy && budget.desiredHealthy > 0;
      if (!unreadyAllowed && budget.disruptionsAllowed <= 0)
        return {
          ok: false,
          code: 429,
          message: "Cannot evict pod as it would violate the pod's disruption budget.",
          cause: `The disruption budget ${budgets[0].name} needs ${budget.desiredHealthy} healthy pods and has ${budget.currentHealthy} currently`,
        };
    }
    return this.deletePod(namespace, name, now);
  }

  /**
   * Deletes a pod gracefully: it is terminating for `podTerminationMs`, then gone. A ReplicaSet creates its
   * replacement at once (Pending until a node can take it); a DaemonSet or the kubelet (mirror pods) recreates
   * it on the same node once it is gone.
   */
  deletePod(namespace: string, name: string, now = this.env.clock()): EvictionOutcome {
    this.sync(now);
    const pod = this.pods.find((p) => p.namespace === namespace && p.name === name);
    if (!pod) return { ok: false, code: 404, message: `pods "${name}" not found` };
    if (pod.deletedAt !== null) return { ok: true, pod };
    pod.deletedAt = now;
    pod.goneAt = pod.nodeName === null ? now : now + this.env.knobsFor().podTerminationMs;
    if (pod.workload.kind === 'ReplicaSet') this.pods.push(newPod(pod.workload, null, now));
    this.sync(now);
    return { ok: true, pod };
  }

  /** Records the pods still on a node when Nova accepted a reboot of its server (nothing for HAProxy VMs). */
  rebootAccepted(instance: NovaInstance, now: number): void {
    if (!this.nodes.has(instance.name)) return;
    const pods = this.podStates({ nodeName: instance.name }, now)
      .filter(({ pod }) => pod.workload.kind === 'ReplicaSet')
      .map(({ pod }) => `${pod.namespace}/${pod.name}`);
    this.atReboot.push({ node: instance.name, at: now, pods });
  }

  /** The counters of this cluster at `now`. */
  stats(now = this.env.clock()): SimKubeStats {
    const periods: NotReadyPeriod[] = [];
    let notReadyNow = 0;
    for (const node of this.nodes.values()) {
      if (node.role !== 'master') continue;
      const { readiness } = this.nodeState(node, now);
      if (!readiness.ready) notReadyNow += 1;
      periods.push(...this.periodsOf(node, now));
    }
    return {
      maxMastersNotReady: maxOverlap(periods),
      mastersNotReadyNow: notReadyNow,
      podsAtReboot: [...this.atReboot],
    };
  }

  private nodeState(node: KubeNode, now: number): KubeNodeState {
    const knobs = this.env.knobsFor(node.instance.id);
    const view = node.instance.view(now, knobs);
    const vm = { active: view.status === 'ACTIVE', since: view.updatedAt };
    return {
      node,
      readiness: node.readiness(now, this.createdAt, knobs.nodeReadyDelayMs, vm),
      createdAt: this.createdAt,
    };
  }

  private periodsOf(node: KubeNode, now: number): NotReadyPeriod[] {
    const knobs = this.env.knobsFor(node.instance.id);
    const view = node.instance.view(now, knobs);
    return node.notReadyPeriods(now, knobs.nodeReadyDelayMs, {
      active: view.status === 'ACTIVE',
      since: view.updatedAt,
    });
  }

  private readinessByNode(now: number): Map<string, KubeNodeState> {
    return new Map([...this.nodes.values()].map((node) => [node.name, this.nodeState(node, now)]));
  }

  private podState(pod: KubePod, nodes: Map<string, KubeNodeState>): KubePodState {
    const node = pod.nodeName === null ? undefined : nodes.get(pod.nodeName);
    if (!node || pod.boundAt === null || pod.deletedAt !== null)
      return { pod, ready: false, readySince: pod.deletedAt ?? pod.createdAt };
    const { ready, since } = node.readiness;
    return { pod, ready, readySince: Math.max(since, pod.boundAt) };
  }

  private budget(pdb: KubePdb, pods: KubePodState[]): PdbBudget {
    const matching = pods.filter(
      ({ pod }) => pod.namespace === pdb.namespace && selectorMatches(pdb.selector, pod.labels),
    );
    const workloads = new Set(matching.map(({ pod }) => pod.workload));
    const expected = [...workloads].reduce((sum, w) => sum + w.replicas, 0);
    const healthy = matching.filter((state) => state.ready).length;
    return pdbBudget(pdb, expected, matching.filter(({ pod }) => pod.deletedAt === null).length, healthy);
  }

  /** Applies what happened up to `now`: terminated pods go (static and DaemonSet pods come back), pending pods bind. */
  private sync(now: number): void {
    const gone = this.pods.filter((pod) => pod.goneAt !== null && pod.goneAt <= now);
    if (gone.length > 0) {
      this.pods = this.pods.filter((pod) => !gone.includes(pod));
      for (const pod of gone)
        if (pod.workload.kind !== 'ReplicaSet' && pod.nodeName !== null && this.nodes.has(pod.nodeName))
          this.pods.push(newPod(pod.workload, pod.nodeName, pod.goneAt ?? now));
    }
    const pending = this.pods.filter(
      (p) => p.nodeName === null && p.deletedAt === null && p.createdAt + SCHEDULE_DELAY_MS <= now,
    );
    if (pending.length === 0) return;
    const nodes = this.readinessByNode(now);
    for (const pod of pending) {
      const target = this.placeFor(pod.workload, nodes);
      if (!target) continue;
      pod.nodeName = target;
      pod.boundAt = now;
    }
  }

  /** A schedulable, Ready node of the workload's roles with the fewest of its pods (none, when one per node). */
  private placeFor(workload: KubeWorkload, nodes: Map<string, KubeNodeState>): string | null {
    let best: { name: string; count: number } | null = null;
    for (const { node, readiness } of nodes.values()) {
      if (!workload.roles.includes(node.role) || node.unschedulable || !readiness.ready) continue;
      const count = this.pods.filter(
        (p) => p.workload === workload && p.nodeName === node.name && p.deletedAt === null,
      ).length;
      if (workload.onePerNode && count > 0) continue;
      if (!best || count < best.count) best = { name: node.name, count };
    }
    return best?.name ?? null;
  }
}

/** The most periods open at the same moment (a period that ends when another starts does not overlap it). */
export function maxOverlap(periods: readonly NotReadyPeriod[]): number {
  const edges: { at: number; delta: number }[] = [];
  for (const period of periods) {
    edges.push({ at: period.start, delta: 1 });
    if (period.end !== null) edges.push({ at: period.end, delta: -1 });
  }
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let level = 0;
  let max = 0;
  for (const edge of edges) {
    level += edge.delta;
    max = Math.max(max, level);
  }
  return max;
}
