import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { ClusterNode, NodePod } from './cluster-api';

/** The label every kubelet sets to the host's name. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** The annotation of a static pod's mirror in the API. */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** A core/v1 Node as a {@link ClusterNode}: readiness from its `Ready` condition alone, as kubectl shows it. */
export function toClusterNode(node: V1Node): ClusterNode {
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
  const isReady = ready?.status === 'True';
  return {
    name: node.metadata?.name ?? '',
    hostname: node.metadata?.labels?.[HOSTNAME_LABEL] ?? null,
    ready: isReady,
    readySince: isReady ? asDate(ready?.lastTransitionTime) : null,
    bootId: node.status?.nodeInfo?.bootID ?? '',
    unschedulable: node.spec?.unschedulable === true,
  };
}

/**
 * A core/v1 Pod as a {@link NodePod}: a DaemonSet's when its controller (the owner reference with
 * `controller: true`, as kubectl drain reads it) is a DaemonSet; a mirror when it carries the mirror annotation.
 */
export function toNodePod(pod: V1Pod): NodePod {
  const controller = pod.metadata?.ownerReferences?.find((owner) => owner.controller === true);
  return {
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    daemonSet: controller?.kind === 'DaemonSet',
    mirror: pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined,
  };
}

/** The client deserialises date-times to Date; a server's odd value may still arrive as a string. */
function asDate(value: Date | string | undefined): Date | null {
  if (value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
