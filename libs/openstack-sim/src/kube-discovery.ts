import { KUBELET_VERSION } from './kube-objects.view';

// Discovery documents of the simulated Kubernetes API (legacy, unaggregated discovery, which every client falls
// back to): what `kubectl` reads to learn that nodes, pods, pods/eviction (policy/v1) and budgets exist.

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const resource = (name: string, kind: string, namespaced: boolean, shortNames?: string[], extra = {}) => ({
  name,
  singularName: name.includes('/') ? '' : kind.toLowerCase(),
  namespaced,
  kind,
  verbs: VERBS,
  ...(shortNames ? { shortNames } : {}),
  ...extra,
});

/** `GET /version`. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: KUBELET_VERSION,
  gitCommit: '9894294ef13a5b32803e3ca2c0d620a088cc84d1',
  gitTreeState: 'clean',
  buildDate: '2025-05-15T08:21:34Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** `GET /api`. */
export const API_VERSIONS = {
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.5:6443' }],
};

const group = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
  preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
});

/** `GET /apis`. */
export const API_GROUPS = { kind: 'APIGroupList', apiVersion: 'v1', groups: [group('apps'), group('policy')] };

/** `GET /api/v1`, `/apis/apps/v1`, `/apis/policy/v1`. */
export const API_RESOURCES: Record<string, unknown> = {
  v1: {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      resource('nodes', 'Node', false, ['no']),
      resource('pods', 'Pod', true, ['po'], { categories: ['all'] }),
      {
        name: 'pods/eviction',
        singularName: '',
        namespaced: true,
        group: 'policy',
        version: 'v1',
        kind: 'Eviction',
        verbs: ['create'],
      },
    ],
  },
  'apps/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'apps/v1',
    resources: [
      resource('daemonsets', 'DaemonSet', true, ['ds'], { categories: ['all'] }),
      resource('replicasets', 'ReplicaSet', true, ['rs'], { categories: ['all'] }),
    ],
  },
  'policy/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'policy/v1',
    resources: [resource('poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb'])],
  },
};
