import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClusterApiUnavailableError } from './cluster-api.errors';
import { KubeClusterApi } from './kube-cluster-api.client';

/** What a request to the loopback API looked like. */
interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

type Answer = (request: Seen, response: ServerResponse) => void;

/** A node as an OpenShift 4 API server answers it (trimmed to the fields that matter, plus some that do not). */
const workerNode = {
  kind: 'Node',
  apiVersion: 'v1',
  metadata: {
    name: 'worker-0.openstacklocal',
    labels: {
      'kubernetes.io/hostname': 'worker-0',
      'node-role.kubernetes.io/worker': '',
      'kubernetes.io/os': 'linux',
    },
  },
  spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False', lastTransitionTime: '2026-12-01T08:00:00Z' },
      { type: 'Ready', status: 'True', lastTransitionTime: '2026-12-06T11:58:30Z', reason: 'KubeletReady' },
    ],
    nodeInfo: { bootID: '6c0a3d5e-5a0e-4f21-9d86-2b6f0e0c2a11', kubeletVersion: 'v1.31.4' },
  },
};
const notReadyMaster = {
  kind: 'Node',
  apiVersion: 'v1',
  metadata: { name: 'master-0.openstacklocal', labels: { 'kubernetes.io/hostname': 'master-0.openstacklocal' } },
  spec: {},
  status: {
    conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: '2026-12-06T12:00:00Z' }],
    nodeInfo: { bootID: 'b2' },
  },
};

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message,
  reason,
  code,
});

function json(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

describe('KubeClusterApi', () => {
  let server: Server;
  let base: string;
  let answer: Answer;
  const seen: Seen[] = [];
  const open = new Set<ServerResponse>();

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const entry: Seen = {
          method: request.method ?? '',
          url: request.url ?? '',
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          body,
        };
        seen.push(entry);
        open.add(response);
        response.on('close', () => open.delete(response));
        answer(entry, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kubernetes/project-a`;
  });

  afterEach(() => {
    seen.length = 0;
    for (const response of open) response.destroy();
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const api = (token: () => string = () => 'sa-token-1', timeoutMs = 5000) =>
    new KubeClusterApi({ url: base, token }, { timeoutMs });

  it('lists nodes under the URL path with the bearer token, readiness from the Ready condition', async () => {
    answer = (_, response) =>
      json(response, 200, { kind: 'NodeList', apiVersion: 'v1', items: [workerNode, notReadyMaster] });
    const nodes = await api().nodes();
    expect(seen).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: '/kubernetes/project-a/api/v1/nodes',
        authorization: 'Bearer sa-token-1',
      }),
    ]);
    expect(nodes).toEqual([
      {
        name: 'worker-0.openstacklocal',
        hostname: 'worker-0',
        ready: true,
        readySince: new Date('2026-12-06T11:58:30Z'),
        bootId: '6c0a3d5e-5a0e-4f21-9d86-2b6f0e0c2a11',
        unschedulable: true,
      },
      {
        name: 'master-0.openstacklocal',
        hostname: 'master-0.openstacklocal',
        ready: false,
        readySince: null,
        bootId: 'b2',
        unschedulable: false,
      },
    ]);
  });

  it('reads one node, and answers null for a node the API does not know (404)', async () => {
    answer = (request, response) =>
      request.url.endsWith('/worker-0.openstacklocal')
        ? json(response, 200, workerNode)
        : json(response, 404, status(404, 'NotFound', 'nodes "worker-9" not found'));
    expect((await api().node('worker-0.openstacklocal'))?.bootId).toBe('6c0a3d5e-5a0e-4f21-9d86-2b6f0e0c2a11');
    expect(await api().node('worker-9')).toBeNull();
    expect(seen.map((request) => request.url)).toEqual([
      '/kubernetes/project-a/api/v1/nodes/worker-0.openstacklocal',
      '/kubernetes/project-a/api/v1/nodes/worker-9',
    ]);
  });

  it('cordons and uncordons with a JSON merge patch of spec.unschedulable', async () => {
    answer = (_, response) => json(response, 200, workerNode);
    await api().setUnschedulable('worker-0.openstacklocal', true);
    await api().setUnschedulable('worker-0.openstacklocal', false);
    expect(seen.map(({ method, url, contentType, body }) => ({ method, url, contentType, body }))).toEqual([
      {
        method: 'PATCH',
        url: '/kubernetes/project-a/api/v1/nodes/worker-0.openstacklocal',
        contentType: 'application/merge-patch+json',
        body: '{"spec":{"unschedulable":true}}',
      },
      {
        method: 'PATCH',
        url: '/kubernetes/project-a/api/v1/nodes/worker-0.openstacklocal',
        contentType: 'application/merge-patch+json',
        body: '{"spec":{"unschedulable":false}}',
      },
    ]);
  });

  it('lists the pods bound to a node in every namespace, telling DaemonSet and mirror pods apart', async () => {
    const pod = (namespace: string, name: string, metadata: Record<string, unknown> = {}) => ({
      metadata: { namespace, name, ...metadata },
      spec: { nodeName: 'master-0.openstacklocal' },
    });
    answer = (_, response) =>
      json(response, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        items: [
          pod('openshift-etcd', 'etcd-master-0', { annotations: { 'kubernetes.io/config.mirror': 'a1b2' } }),
          pod('openshift-dns', 'dns-default-x7k2p', {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'dns-default', uid: 'u1', controller: true },
            ],
          }),
          pod('openshift-etcd', 'etcd-guard-master-0', {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'etcd-guard-5d9', uid: 'u2', controller: true },
            ],
          }),
          pod('default', 'bare'),
        ],
      });
    const pods = await api().podsOn('master-0.openstacklocal');
    const url = new URL(seen[0].url, 'http://x');
    expect(url.pathname).toBe('/kubernetes/project-a/api/v1/pods');
    expect(url.searchParams.get('fieldSelector')).toBe('spec.nodeName=master-0.openstacklocal');
    expect(pods).toEqual([
      { namespace: 'openshift-etcd', name: 'etcd-master-0', daemonSet: false, mirror: true },
      { namespace: 'openshift-dns', name: 'dns-default-x7k2p', daemonSet: true, mirror: false },
      { namespace: 'openshift-etcd', name: 'etcd-guard-master-0', daemonSet: false, mirror: false },
      { namespace: 'default', name: 'bare', daemonSet: false, mirror: false },
    ]);
  });

  it('evicts through policy/v1: 201 done, 429 a budget saying not now, 404 gone, other refusals an error', async () => {
    const pod = { namespace: 'shop', name: 'web-7f9c-abcde', daemonSet: false, mirror: false };
    const answers: Array<[number, unknown]> = [
      [201, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } }],
      [429, status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.")],
      [404, status(404, 'NotFound', 'pods "web-7f9c-abcde" not found')],
      [409, status(409, 'Conflict', 'the object has been modified')],
    ];
    answer = (_, response) => json(response, ...(answers.shift() as [number, unknown]));
    const results = [];
    for (let i = 0; i < 4; i += 1) results.push(await api().evict(pod));
    expect(results).toEqual([
      { ok: true },
      { ok: false, reason: 'budget', message: "Cannot evict pod as it would violate the pod's disruption budget." },
      { ok: false, reason: 'gone', message: 'pods "web-7f9c-abcde" not found' },
      { ok: false, reason: 'error', message: 'the object has been modified' },
    ]);
    expect(seen[0]).toEqual(
      expect.objectContaining({
        method: 'POST',
        url: '/kubernetes/project-a/api/v1/namespaces/shop/pods/web-7f9c-abcde/eviction',
      }),
    );
    expect(JSON.parse(seen[0].body)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-7f9c-abcde', namespace: 'shop' },
    });
  });

  it('says the version the API server reports', async () => {
    answer = (_, response) =>
      json(response, 200, { major: '1', minor: '31', gitVersion: 'v1.31.4', platform: 'linux/amd64' });
    expect(await api().version()).toBe('v1.31.4');
    expect(seen[0].url).toBe('/kubernetes/project-a/version');
  });

  it('reads the token at each call, so a rotated one is used from the next call on', async () => {
    answer = (_, response) => json(response, 200, { kind: 'NodeList', apiVersion: 'v1', items: [] });
    let token = 'first';
    const cluster = api(() => token);
    await cluster.nodes();
    token = 'second';
    await cluster.nodes();
    expect(seen.map((request) => request.authorization)).toEqual(['Bearer first', 'Bearer second']);
  });

  describe('when the API cannot be asked, a ClusterApiUnavailableError that names neither token nor URL', () => {
    const failure = async (call: () => Promise<unknown>): Promise<ClusterApiUnavailableError> => {
      const error = await call().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ClusterApiUnavailableError);
      const { message } = error as ClusterApiUnavailableError;
      expect(message).not.toContain('sa-token-1');
      expect(message).not.toContain('127.0.0.1');
      return error as ClusterApiUnavailableError;
    };

    it('401: the token is refused', async () => {
      answer = (_, response) => json(response, 401, status(401, 'Unauthorized', 'Unauthorized'));
      const error = await failure(() => api().nodes());
      expect([error.message, error.status]).toEqual(['the cluster API refused the token (401)', 401]);
    });

    it('403: the token may not do this', async () => {
      answer = (_, response) =>
        json(response, 403, status(403, 'Forbidden', 'nodes is forbidden: User "system:serviceaccount:x" cannot list'));
      expect((await failure(() => api().nodes())).message).toBe(
        'the cluster API forbids this to the token (403: check its RBAC)',
      );
    });

    it('5xx, an eviction included (never mistaken for a refusal of that pod)', async () => {
      answer = (_, response) => json(response, 503, status(503, 'ServiceUnavailable', 'etcdserver: leader changed'));
      expect((await failure(() => api().nodes())).message).toBe('the cluster API answered 503');
      const pod = { namespace: 'shop', name: 'web', daemonSet: false, mirror: false };
      expect((await failure(() => api().evict(pod))).status).toBe(503);
    });

    it('a connection reset or refused', async () => {
      answer = (_, response) => response.socket?.destroy();
      expect((await failure(() => api().nodes())).message).toBe('the cluster API cannot be reached (ECONNRESET)');
      const closed = new KubeClusterApi({ url: 'http://127.0.0.1:9/k', token: () => 't' }, { timeoutMs: 2000 });
      expect((await failure(() => closed.nodes())).message).toBe('the cluster API cannot be reached (ECONNREFUSED)');
    });

    it('no answer within the timeout', async () => {
      answer = () => undefined;
      const started = Date.now();
      expect((await failure(() => api(undefined, 300).node('worker-0'))).message).toBe(
        'the cluster API did not answer within 300 ms',
      );
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('a token reference that cannot be read, before anything is sent', async () => {
      const unreadable = () => {
        throw new Error('secret variable KUBE_TOKEN_PROD is not set');
      };
      const error = await failure(() => api(unreadable).nodes());
      expect(error.message).toBe('the cluster API token cannot be read (the operator can run cluster check)');
      expect(seen).toEqual([]);
    });
  });
});
