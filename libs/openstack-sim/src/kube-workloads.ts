import { randomInt, randomUUID } from 'node:crypto';
import type { NodeRole } from './sim-stats';

// The workloads every simulated cluster runs, as an OpenShift cluster would: a DaemonSet on every node, static
// (mirror) pods and the etcd quorum guard on masters, the router on infra nodes, an application on workers.

/** What owns a set of pods. */
export interface KubeWorkload {
  kind: 'DaemonSet' | 'ReplicaSet' | 'Mirror';
  namespace: string;
  /** The owner's name (DaemonSet, ReplicaSet), or the static pod's base name. */
  name: string;
  uid: string;
  /** The Deployment that owns the ReplicaSet. */
  deployment?: string;
  labels: Record<string, string>;
  /** The pods mount an emptyDir volume (drain needs --delete-emptydir-data). */
  emptyDir: boolean;
  /** Roles of the nodes its pods run on. */
  roles: readonly NodeRole[];
  /** At most one of its pods per node (required anti-affinity, as the quorum guard has). */
  onePerNode: boolean;
  image: string;
  /** Pods its controller wants: one per node of its roles when the cluster was built. */
  replicas: number;
}

/** A pod of a simulated cluster. */
export interface KubePod {
  uid: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  workload: KubeWorkload;
  nodeName: string | null;
  createdAt: number;
  boundAt: number | null;
  /** `metadata.deletionTimestamp`: the pod is terminating from then on. */
  deletedAt: number | null;
  /** When the terminating pod is gone from the API. */
  goneAt: number | null;
}

const CLUSTER_ROLES: readonly NodeRole[] = ['master', 'infra', 'worker', 'other'];

/** The workloads of a cluster whose nodes have these roles (a workload only when it has nodes to run on). */
export function clusterWorkloads(roles: readonly NodeRole[]): KubeWorkload[] {
  const all: Omit<KubeWorkload, 'uid' | 'replicas'>[] = [
    daemonSet('openshift-monitoring', 'node-exporter', 'quay.io/prometheus/node-exporter:v1.8.2'),
    mirror('openshift-etcd', 'etcd', 'quay.io/openshift/etcd:4.19'),
    mirror('openshift-kube-apiserver', 'kube-apiserver', 'quay.io/openshift/hyperkube:4.19'),
    {
      ...replicaSet(
        'openshift-etcd',
        'etcd-quorum-guard',
        '6d9cf84b4c',
        { 'k8s-app': 'etcd-quorum-guard' },
        'quay.io/openshift/etcd:4.19',
      ),
      roles: ['master'],
      onePerNode: true,
    },
    {
      ...replicaSet(
        'openshift-ingress',
        'router-default',
        '7c8d9b5f6d',
        {
          'ingresscontroller.operator.openshift.io/deployment-ingresscontroller': 'default',
        },
        'quay.io/openshift/origin-haproxy-router:4.19',
      ),
      roles: ['infra'],
    },
    {
      ...replicaSet('shop', 'frontend', '5d7f8b9c6d', { app: 'frontend' }, 'docker.io/library/nginx:1.27'),
      roles: ['worker', 'other'],
      emptyDir: true,
    },
  ];
  return all
    .filter((workload) => workload.roles.some((role) => roles.includes(role)))
    .map((workload) => ({
      ...workload,
      uid: randomUUID(),
      replicas: roles.filter((role) => workload.roles.includes(role)).length,
    }));
}

function daemonSet(namespace: string, name: string, image: string): Omit<KubeWorkload, 'uid' | 'replicas'> {
  return {
    kind: 'DaemonSet',
    namespace,
    name,
    labels: { app: name },
    emptyDir: false,
    roles: CLUSTER_ROLES,
    onePerNode: true,
    image,
  };
}

function mirror(namespace: string, name: string, image: string): Omit<KubeWorkload, 'uid' | 'replicas'> {
  return {
    kind: 'Mirror',
    namespace,
    name,
    labels: { app: name },
    emptyDir: false,
    roles: ['master'],
    onePerNode: true,
    image,
  };
}

function replicaSet(
  namespace: string,
  deployment: string,
  hash: string,
  labels: Record<string, string>,
  image: string,
): Omit<KubeWorkload, 'uid' | 'roles' | 'replicas'> {
  return {
    kind: 'ReplicaSet',
    namespace,
    name: `${deployment}-${hash}`,
    deployment,
    labels: { ...labels, 'pod-template-hash': hash },
    emptyDir: false,
    onePerNode: false,
    image,
  };
}

const SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';

/** A new pod of `workload`, bound to `nodeName` at `now` (or pending when null). */
export function newPod(workload: KubeWorkload, nodeName: string | null, now: number): KubePod {
  const name =
    workload.kind === 'Mirror'
      ? `${workload.name}-${nodeName}`
      : `${workload.name}-${Array.from({ length: 5 }, () => SUFFIX[randomInt(SUFFIX.length)]).join('')}`;
  return {
    uid: randomUUID(),
    namespace: workload.namespace,
    name,
    labels: { ...workload.labels },
    workload,
    nodeName,
    createdAt: now,
    boundAt: nodeName === null ? null : now,
    deletedAt: null,
    goneAt: null,
  };
}
