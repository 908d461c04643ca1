/** A Kubernetes node as the reboot rules need it (from core/v1 Node). */
export interface ClusterNode {
  /** `metadata.name`. */
  name: string;
  /** Its `kubernetes.io/hostname` label, or null without one. */
  hostname: string | null;
  /** Its `Ready` condition is `True`. */
  ready: boolean;
  /** When `Ready` last turned `True` (the condition's `lastTransitionTime`) while it is; null when not Ready. */
  readySince: Date | null;
  /** `status.nodeInfo.bootID`: the kubelet reports a new one after every boot ('' when it reports none). */
  bootId: string;
  /** Cordoned (`spec.unschedulable`). */
  unschedulable: boolean;
}

/** A pod bound to a node, as a drain sees it. */
export interface NodePod {
  namespace: string;
  name: string;
  /** Controlled by a DaemonSet: a drain leaves it (the DaemonSet would put it back at once). */
  daemonSet: boolean;
  /** A static pod's mirror (`kubernetes.io/config.mirror`): the kubelet runs it, the API cannot evict it. */
  mirror: boolean;
}

/**
 * What the Eviction API said: done, or refused because a PodDisruptionBudget forbids it now (`429`, retry later),
 * because the pod is already gone (`404`), or for another reason the API gave (`message`).
 */
export type EvictionResult = { ok: true } | { ok: false; reason: 'budget' | 'gone' | 'error'; message: string };

/**
 * One cluster's Kubernetes/OpenShift API. Every method throws {@link ClusterApiUnavailableError} when the API
 * cannot be asked (unreachable, too slow, refusing the token, answering 5xx).
 */
export interface ClusterApi {
  /** The API server's version (`gitVersion`, e.g. `v1.31.4`). */
  version(): Promise<string>;
  /** Every node of the cluster. */
  nodes(): Promise<ClusterNode[]>;
  /** The node of that name, or null when the cluster has none. */
  node(name: string): Promise<ClusterNode | null>;
  /** Cordons (true) or uncordons (false) a node. */
  setUnschedulable(name: string, unschedulable: boolean): Promise<void>;
  /** Every pod bound to the node, in every namespace. */
  podsOn(nodeName: string): Promise<NodePod[]>;
  /** Asks the Eviction API (policy/v1) to evict the pod, so PodDisruptionBudgets are honoured. */
  evict(pod: NodePod): Promise<EvictionResult>;
}
