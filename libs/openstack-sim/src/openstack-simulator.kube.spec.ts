import { get } from 'node:https';
import { SimulatorHarness, type Json } from './simulator.harness';

// The simulated clusters' Kubernetes API over HTTP, as a client library sees it: auth, discovery, PATCH formats,
// the Eviction subresource's answers and the admin API's counters.

const h = SimulatorHarness.install();
const NODE = 'worker-0.openstacklocal';

describe('the simulated Kubernetes API', () => {
  const kube = (path: string, init: RequestInit = {}, token: string | null = h.sim.kubernetes().token) =>
    fetch(`${h.sim.kubernetes().url}${path}`, {
      ...init,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...init.headers },
    });
  const json = async (path: string, init: RequestInit = {}) => {
    const res = await kube(path, init);
    return { status: res.status, body: (await res.json()) as Json };
  };
  const patch = (type: string, body: unknown) =>
    json(`/api/v1/nodes/${NODE}`, {
      method: 'PATCH',
      headers: { 'content-type': type },
      body: JSON.stringify(body),
    });
  const evict = (
    namespace: string,
    name: string,
    body: unknown = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
  ) =>
    json(`/api/v1/namespaces/${namespace}/pods/${name}/eviction`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('tells where each cluster is and its token on the admin API, the same as the class', async () => {
    const res = await fetch(`${h.sim.url}/_sim/kubernetes?project=c0ffee0000000000000000000000cafe`);
    expect(res.status).toBe(200);
    const access = (await res.json()) as Json;
    expect(access).toEqual(h.sim.kubernetes());
    expect(access.url).toBe(`${h.sim.url}/kubernetes/c0ffee0000000000000000000000cafe`);
    expect(access.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/kubernetes\/c0ffee0000000000000000000000cafe$/);
    expect(access.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(h.sim.kubernetes('other0000000000000000000000000000').token).not.toBe(access.token);
    expect((await fetch(`${h.sim.url}/_sim/kubernetes`)).status).toBe(400); // two projects: say which
  });

  it('serves the same API over TLS with the certificate it hands out', async () => {
    const { tlsUrl, token, caPem } = h.sim.kubernetes();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get(`${tlsUrl}/api/v1/nodes/${NODE}`, { ca: caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).metadata.name).toBe(NODE);
  });

  it('answers 401 to a wrong token, 403 to no token but on /version, as Status objects', async () => {
    expect(await json('/api/v1/nodes', {}).then((r) => r.status)).toBe(200);
    const wrong = await kube('/api/v1/nodes', {}, 'sha256~nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const anonymous = await kube('/api/v1/nodes', {}, null);
    expect(anonymous.status).toBe(403);
    expect(((await anonymous.json()) as Json).reason).toBe('Forbidden');
    const version = await kube('/version', {}, null);
    expect(((await version.json()) as Json).gitVersion).toBe('v1.32.5');
    expect(h.sim.kubernetes('other0000000000000000000000000000').token).not.toBe(h.sim.kubernetes().token);
    const crossed = await fetch(`${h.sim.kubernetes('other0000000000000000000000000000').url}/api/v1/nodes`, {
      headers: { authorization: `Bearer ${h.sim.kubernetes().token}` },
    });
    expect(crossed.status).toBe(401);
  });

  it('lists nodes with their Ready condition and boot id, and pods by node with a field selector', async () => {
    const { body } = await json('/api/v1/nodes');
    expect(body.kind).toBe('NodeList');
    expect(body.items).toHaveLength(8); // the demo's ten servers but its two HAProxy VMs
    const node = body.items.find((n: Json) => n.metadata.name === NODE);
    expect(node.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': NODE,
      'node-role.kubernetes.io/worker': '',
    });
    expect(node.status.conditions.find((c: Json) => c.type === 'Ready').status).toBe('True');
    expect(node.status.nodeInfo.bootID).toBe(h.sim.kubeNode(NODE).bootId);
    const pods = await json(`/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE}`);
    expect(pods.body.items.map((p: Json) => p.metadata.namespace).sort()).toEqual(['openshift-monitoring', 'shop']);
    const ds = pods.body.items.find((p: Json) => p.metadata.namespace === 'openshift-monitoring');
    expect(ds.metadata.ownerReferences[0]).toMatchObject({ kind: 'DaemonSet', controller: true });
    const bad = await json('/api/v1/pods?fieldSelector=spec.hostname%3Dx');
    expect(bad).toMatchObject({
      status: 400,
      body: { reason: 'BadRequest', message: 'field label not supported: spec.hostname' },
    });
    expect(await json('/api/v1/nodes?watch=true')).toMatchObject({ status: 405, body: { reason: 'MethodNotAllowed' } });
    const missing = await json('/api/v1/nodes/nope');
    expect(missing).toEqual({
      status: 404,
      body: expect.objectContaining({ reason: 'NotFound', message: 'nodes "nope" not found', code: 404 }),
    });
  });

  it('cordons and uncordons by strategic merge, merge and JSON patch, refusing what a real server refuses', async () => {
    expect(
      (await patch('application/strategic-merge-patch+json', { spec: { unschedulable: true } })).body.spec,
    ).toMatchObject({
      unschedulable: true,
    });
    expect(h.sim.kubeNode(NODE).unschedulable).toBe(true);
    expect(
      (await patch('application/merge-patch+json', { spec: { unschedulable: null } })).body.spec.unschedulable,
    ).toBeUndefined();
    expect(h.sim.kubeNode(NODE).unschedulable).toBe(false);
    // JSON patch: replace needs the field to exist, add does not.
    const replace = await patch('application/json-patch+json', [
      { op: 'replace', path: '/spec/unschedulable', value: true },
    ]);
    expect(replace).toMatchObject({ status: 422, body: { kind: 'Status', reason: 'Invalid', code: 422 } });
    expect(h.sim.kubeNode(NODE).unschedulable).toBe(false);
    const add = await patch('application/json-patch+json', [{ op: 'add', path: '/spec/unschedulable', value: true }]);
    expect(add.status).toBe(200);
    expect(h.sim.kubeNode(NODE).unschedulable).toBe(true);
    const yaml = await json(`/api/v1/nodes/${NODE}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: 'spec: {}',
    });
    expect(yaml).toMatchObject({ status: 415, body: { reason: 'UnsupportedMediaType', code: 415 } });
  });

  it('evicts with 201 Success, refuses a budget with 429 and its cause, and checks the Eviction body', async () => {
    const guards = h.sim.kubePods().filter((p) => p.name.startsWith('etcd-quorum-guard'));
    expect(await evict('openshift-etcd', guards[0].name)).toEqual({
      status: 201,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
    });
    expect(await evict('openshift-etcd', guards[1].name)).toEqual({
      status: 429,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        reason: 'TooManyRequests',
        details: {
          causes: [
            {
              reason: 'DisruptionBudget',
              message: 'The disruption budget etcd-quorum-guard needs 2 healthy pods and has 2 currently',
            },
          ],
        },
        code: 429,
      },
    });
    const mismatch = await evict('openshift-etcd', guards[1].name, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'other' },
    });
    expect(mismatch).toMatchObject({
      status: 400,
      body: { message: 'name in URL does not match name in Eviction object' },
    });
    expect(await evict('shop', 'nope')).toMatchObject({ status: 404, body: { message: 'pods "nope" not found' } });
    const terminating = await json(`/api/v1/namespaces/openshift-etcd/pods/${guards[0].name}`);
    expect(terminating.body.metadata.deletionTimestamp).toEqual(expect.any(String));
  });

  it('creates a budget through the API that then forbids evicting the pods it selects', async () => {
    const created = await json('/apis/policy/v1/namespaces/shop/poddisruptionbudgets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'hold' },
        spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'frontend' } } },
      }),
    });
    expect(created).toMatchObject({
      status: 201,
      body: { status: { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3 } },
    });
    const [pod] = h.sim.kubePods(NODE).filter((p) => !p.daemonSet);
    expect(await evict('shop', pod.name)).toMatchObject({ status: 429 });
    const invalid = await json('/apis/policy/v1/namespaces/shop/poddisruptionbudgets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'both' }, spec: { minAvailable: 1, maxUnavailable: 1 } }),
    });
    expect(invalid).toMatchObject({ status: 422, body: { reason: 'Invalid' } });
  });

  it('counts the pods on a node when Nova accepted its reboot, and masters not Ready, on the admin API too', async () => {
    const [pod] = h.sim.kubePods(NODE).filter((p) => !p.daemonSet);
    expect((await h.reboot(NODE, 'SOFT')).status).toBe(202);
    expect(h.sim.podsAtReboot(NODE)).toEqual([[`shop/${pod.name}`]]);
    expect((await h.reboot('master-0.openstacklocal', 'SOFT')).status).toBe(202);
    const res = await fetch(`${h.sim.url}/_sim/kubernetes/stats?project=c0ffee0000000000000000000000cafe`);
    const stats = (await res.json()) as Json;
    expect(stats).toMatchObject({ maxMastersNotReady: 1, mastersNotReadyNow: 1 });
    expect(stats.podsAtReboot.map((e: Json) => e.node)).toEqual([NODE, 'master-0.openstacklocal']);
    expect(h.sim.kubeNode('master-0.openstacklocal').ready).toBe(false);
  });

  it('resets connections while kubeUnreachable is on', async () => {
    h.sim.setKnobs({ kubeUnreachable: true });
    await expect(kube('/version')).rejects.toThrow();
    h.sim.setKnobs({ kubeUnreachable: false });
    expect((await kube('/version')).status).toBe(200);
  });
});
