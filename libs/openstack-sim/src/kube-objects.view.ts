import type { KubeNodeState, KubePdbState, KubePodState } from './kube-cluster.model';
import type { KubePod } from './kube-workloads';
import { novaTime } from './sim-format';

// Nodes, pods, budgets and Status objects as a Kubernetes API server (v1.32, OpenShift 4.19) writes them in JSON.

/** The kubelet version the simulated nodes report. */
export const KUBELET_VERSION = 'v1.32.5';

/** A JSON object of the API. */
export type KubeObject = Record<string, unknown>;

/** Kubernetes' RFC 3339 timestamps, to the second. */
export const kubeTime = (ms: number): string => novaTime(ms);

/** A `metav1.Status` answer (errors, and an eviction's success). */
export function kubeStatus(
  code: number,
  reason: string,
  message: string,
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message: string; field?: string }[];
  },
): KubeObject {
  const failure = code >= 400;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: failure ? 'Failure' : 'Success',
    ...(failure ? { message, reason } : {}),
    ...(details ? { details } : {}),
    code,
  };
}

/** The status of a missing object, e.g. `nodes "x" not found`. */
export function notFound(resource: string, name: string, group = ''): KubeObject {
  return kubeStatus(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

/** A node, with the conditions, taints, addresses and node info its kubelet and controllers maintain. */
export function nodeJson(state: KubeNodeState, address: string, now: number): KubeObject {
  const { node, readiness } = state;
  const since = kubeTime(readiness.since);
  const heartbeat = kubeTime(Math.floor(now / 10_000) * 10_000);
  const pressure = (type: string, reason: string, message: string) => ({
    type,
    status: 'False',
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: kubeTime(state.createdAt),
    reason,
    message,
  });
  const taints = [
    ...(node.unschedulable
      ? [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: since }]
      : []),
    ...(readiness.ready
      ? []
      : ['NoSchedule', 'NoExecute'].map((effect) => ({
          key: 'node.kubernetes.io/not-ready',
          effect,
          timeAdded: since,
        }))),
    ...(node.role === 'master' ? [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] : []),
  ];
  const hostname = node.name;
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name: node.name,
      uid: node.uid,
      resourceVersion: String(1000 + readiness.boots * 10 + (readiness.ready ? 1 : 0) + (node.unschedulable ? 2 : 0)),
      creationTimestamp: kubeTime(state.createdAt),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': hostname,
        'kubernetes.io/os': 'linux',
        [`node-role.kubernetes.io/${node.role === 'other' ? 'worker' : node.role}`]: '',
        ...(node.role === 'master' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
        'node.openshift.io/os_id': 'rhcos',
      },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      providerID: `openstack:///${node.instance.id}`,
      ...(node.unschedulable ? { unschedulable: true } : {}),
      ...(taints.length > 0 ? { taints } : {}),
    },
    status: {
      capacity: { cpu: '4', 'ephemeral-storage': '41407468Ki', memory: '16393916Ki', pods: '250' },
      allocatable: { cpu: '3500m', 'ephemeral-storage': '37087380622', memory: '15242940Ki', pods: '250' },
      conditions: [
        pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        {
          type: 'Ready',
          status: readiness.ready ? 'True' : 'False',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: since,
          reason: readiness.ready ? 'KubeletReady' : 'KubeletNotReady',
          message: readiness.ready
            ? 'kubelet is posting ready status'
            : 'node is rebooting: the kubelet is not running',
        },
      ],
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: hostname },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: node.instance.id.replaceAll('-', ''),
        systemUUID: node.instance.id,
        bootID: readiness.bootId,
        kernelVersion: '5.14.0-570.19.1.el9_6.x86_64',
        osImage: 'Red Hat Enterprise Linux CoreOS 9.6.20250611-0 (Plow)',
        containerRuntimeVersion: 'cri-o://1.32.5-2.rhaos4.19.git5ba3f2a.el9',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** The owner reference, annotations and volumes that tell a drain what kind of pod this is. */
function podOrigin(pod: KubePod): { ownerReferences?: KubeObject[]; annotations?: Record<string, string> } {
  const { workload } = pod;
  if (workload.kind === 'Mirror')
    return {
      annotations: {
        'kubernetes.io/config.hash': pod.uid.replaceAll('-', ''),
        'kubernetes.io/config.mirror': pod.uid.replaceAll('-', ''),
        'kubernetes.io/config.source': 'file',
      },
    };
  const apiVersion = 'apps/v1';
  const ref = {
    apiVersion,
    kind: workload.kind,
    name: workload.name,
    uid: workload.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  return { ownerReferences: [ref] };
}

/** A pod, Running on its node (Ready following the node's Ready) or Pending until the scheduler binds it. */
export function podJson(state: KubePodState, hostIp: string | null): KubeObject {
  const { pod, ready } = state;
  const origin = podOrigin(pod);
  const condition = (type: string, status: boolean, at: number) => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: kubeTime(at),
  });
  const bound = pod.nodeName !== null && pod.boundAt !== null;
  const container = pod.workload.kind === 'Mirror' ? pod.workload.name : (pod.workload.deployment ?? pod.workload.name);
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid: pod.uid,
      resourceVersion: String(2000 + (pod.deletedAt === null ? 0 : 1) + (bound ? 2 : 0) + (ready ? 4 : 0)),
      creationTimestamp: kubeTime(pod.createdAt),
      ...(pod.deletedAt !== null
        ? {
            deletionTimestamp: kubeTime(pod.goneAt ?? pod.deletedAt),
            deletionGracePeriodSeconds: Math.ceil(((pod.goneAt ?? pod.deletedAt) - pod.deletedAt) / 1000),
          }
        : {}),
      labels: { ...pod.labels },
      ...origin,
    },
    spec: {
      ...(pod.workload.emptyDir ? { volumes: [{ name: 'cache', emptyDir: {} }] } : {}),
      containers: [{ name: container, image: pod.workload.image }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      ...(bound ? { nodeName: pod.nodeName } : {}),
      schedulerName: 'default-scheduler',
      priority: 0,
    },
    status: bound
      ? {
          phase: 'Running',
          conditions: [
            condition('Initialized', true, pod.boundAt ?? pod.createdAt),
            condition('Ready', ready, state.readySince),
            condition('ContainersReady', ready, state.readySince),
            condition('PodScheduled', true, pod.boundAt ?? pod.createdAt),
          ],
          hostIP: hostIp,
          podIP:
            pod.workload.kind === 'ReplicaSet'
              ? `10.128.${pod.uid.charCodeAt(0) % 200}.${pod.uid.charCodeAt(1) % 250}`
              : hostIp,
          startTime: kubeTime(pod.boundAt ?? pod.createdAt),
          containerStatuses: [{ name: container, ready, restartCount: 0, image: pod.workload.image, started: ready }],
          qosClass: 'BestEffort',
        }
      : {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              lastProbeTime: null,
              lastTransitionTime: kubeTime(pod.createdAt),
              reason: 'Unschedulable',
              message: '0/0 nodes are available: no schedulable node of its role.',
            },
          ],
          qosClass: 'BestEffort',
        },
  };
}

/** A policy/v1 PodDisruptionBudget with the status its controller computed. */
export function pdbJson({ pdb, budget }: KubePdbState, now: number): KubeObject {
  return {
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    metadata: {
      name: pdb.name,
      namespace: pdb.namespace,
      uid: pdb.uid,
      resourceVersion: String(3000 + budget.currentHealthy),
      generation: 1,
      creationTimestamp: kubeTime(pdb.createdAt),
    },
    spec: {
      selector: pdb.selector,
      ...(pdb.minAvailable !== undefined ? { minAvailable: pdb.minAvailable } : {}),
      ...(pdb.maxUnavailable !== undefined ? { maxUnavailable: pdb.maxUnavailable } : {}),
    },
    status: {
      observedGeneration: 1,
      disruptionsAllowed: budget.disruptionsAllowed,
      currentHealthy: budget.currentHealthy,
      desiredHealthy: budget.desiredHealthy,
      expectedPods: budget.expectedPods,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: budget.disruptionsAllowed > 0 ? 'True' : 'False',
          reason: budget.disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration: 1,
          lastTransitionTime: kubeTime(now),
        },
      ],
    },
  };
}

/** A list of `kind` (e.g. `NodeList`) as the API answers it. */
export function listJson(kind: string, apiVersion: string, items: KubeObject[]): KubeObject {
  return { kind, apiVersion, metadata: { resourceVersion: String(4000 + items.length) }, items };
}
