import type { KubeObject } from './kube-objects.view';

// Server-side printing: the `meta.k8s.io/v1` Table a Kubernetes API server answers when the client's Accept header
// asks for `as=Table` (as `kubectl get` does), with the columns of its own printers (pkg/printers/internalversion).

/** A column: its name, type and priority (0 shown by default, 1 with `-o wide`). */
type Column = [name: string, type: 'string' | 'integer', priority: 0 | 1, description: string];

const COLUMNS: Record<'nodes' | 'pods' | 'poddisruptionbudgets', Column[]> = {
  nodes: [
    ['Name', 'string', 0, 'Name must be unique within a namespace.'],
    ['Status', 'string', 0, 'The status of the node'],
    ['Roles', 'string', 0, 'The roles of the node'],
    ['Age', 'string', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.'],
    ['Version', 'string', 0, 'Kubelet Version reported by the node.'],
    ['Internal-IP', 'string', 1, 'List of addresses reachable to the node. Queried from cloud provider, if available.'],
    ['External-IP', 'string', 1, 'List of addresses reachable to the node. Queried from cloud provider, if available.'],
    ['OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'],
    ['Kernel-Version', 'string', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."],
    ['Container-Runtime', 'string', 1, 'ContainerRuntime Version reported by the node through runtime remote API.'],
  ],
  pods: [
    ['Name', 'string', 0, 'Name must be unique within a namespace.'],
    ['Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'],
    ['Status', 'string', 0, 'The aggregate status of the containers in this pod.'],
    [
      'Restarts',
      'string',
      0,
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ],
    ['Age', 'string', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.'],
    ['IP', 'string', 1, 'The IP address assigned to the pod'],
    ['Node', 'string', 1, 'The name of the node this pod is assigned to'],
    ['Nominated Node', 'string', 1, 'The name of the node the pod is nominated to'],
    ['Readiness Gates', 'string', 1, 'The readiness gates of this pod'],
  ],
  poddisruptionbudgets: [
    ['Name', 'string', 0, 'Name must be unique within a namespace.'],
    ['Min Available', 'string', 0, 'The minimum number of pods that must be available'],
    ['Max Unavailable', 'string', 0, 'The maximum number of pods that may be unavailable'],
    ['Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time'],
    ['Age', 'string', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.'],
  ],
};

/** Whether the Accept header asks for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((type) => /;\s*as=Table/.test(type) && /;\s*g=meta\.k8s\.io/.test(type));
}

/** A Table of `items` (each a Node, Pod or PodDisruptionBudget as the API writes it) at `now`. */
export function tableJson(resource: keyof typeof COLUMNS, items: KubeObject[], now: number): KubeObject {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(4000 + items.length) },
    columnDefinitions: COLUMNS[resource].map(([name, type, priority, description]) => ({
      name,
      type,
      format: name === 'Name' ? 'name' : '',
      description,
      priority,
    })),
    rows: items.map((item) => ({
      cells: cellsOf(resource, item, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata },
    })),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function cellsOf(resource: keyof typeof COLUMNS, item: Loose, now: number): (string | number)[] {
  const age = humanDuration(now - Date.parse(item.metadata.creationTimestamp));
  if (resource === 'nodes') {
    const ready = item.status.conditions.find((c: Loose) => c.type === 'Ready')?.status === 'True';
    const status = `${ready ? 'Ready' : 'NotReady'}${item.spec.unschedulable ? ',SchedulingDisabled' : ''}`;
    const roles = Object.keys(item.metadata.labels)
      .filter((label) => label.startsWith('node-role.kubernetes.io/'))
      .map((label) => label.slice('node-role.kubernetes.io/'.length))
      .sort();
    const address = (type: string) => item.status.addresses.find((a: Loose) => a.type === type)?.address ?? '<none>';
    const info = item.status.nodeInfo;
    return [
      item.metadata.name,
      status,
      roles.join(',') || '<none>',
      age,
      info.kubeletVersion,
      address('InternalIP'),
      address('ExternalIP'),
      info.osImage,
      info.kernelVersion,
      info.containerRuntimeVersion,
    ];
  }
  if (resource === 'pods') {
    const statuses = item.status.containerStatuses ?? [];
    const ready = statuses.filter((s: Loose) => s.ready).length;
    const status = item.metadata.deletionTimestamp ? 'Terminating' : item.status.phase;
    return [
      item.metadata.name,
      `${ready}/${item.spec.containers.length}`,
      status,
      '0',
      age,
      item.status.podIP ?? '<none>',
      item.spec.nodeName ?? '<none>',
      '<none>',
      '<none>',
    ];
  }
  return [
    item.metadata.name,
    String(item.spec.minAvailable ?? 'N/A'),
    String(item.spec.maxUnavailable ?? 'N/A'),
    item.status.disruptionsAllowed,
    age,
  ];
}

/** Kubernetes' `duration.HumanDuration` (apimachinery/pkg/util/duration), as the Age column shows it. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}
