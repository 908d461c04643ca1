import type { ClusterApi, ClusterApis, ClusterNode } from '@oshift/cluster-api';
import type { GatewayConfig } from '../gateway.config';
import { NodeReadiness } from './node-readiness';

const node = (name: string, ready: boolean, unschedulable = false): ClusterNode => ({
  name,
  hostname: name,
  ready,
  readySince: ready ? new Date('2026-12-06T12:00:00Z') : null,
  bootId: `boot-${name}`,
  unschedulable,
});

/** ClusterApis with one connected cluster whose `nodes()` the test decides, counting the calls. */
function apisWith(nodes: () => Promise<ClusterNode[]>, nodePattern: string | null = null) {
  const calls = { nodes: 0 };
  const api = {
    nodes: () => {
      calls.nodes += 1;
      return nodes();
    },
  } as unknown as ClusterApi;
  const apis = {
    connection: async (clusterId: string) => (clusterId === 'connected' ? { api, nodePattern } : null),
  } as unknown as ClusterApis;
  return { apis, calls };
}

const config = (cacheMs: number, timeoutMs = 1000) =>
  ({ nodeStatus: { cacheMs, timeoutMs } }) as unknown as GatewayConfig;

describe('NodeReadiness', () => {
  it('answers null for a cluster without a connection (nodestatus then keeps the reference’s two fields)', async () => {
    const { apis, calls } = apisWith(async () => []);
    expect(await new NodeReadiness(apis, config(2000)).of('plain')).toBeNull();
    expect(calls.nodes).toBe(0);
  });

  it('gives each server its node’s Ready and schedulable, null for a VM that is no node', async () => {
    const nodes = [node('master-0.openstacklocal', true), node('w0.example.com', false, true)];
    const { apis } = apisWith(async () => nodes, 'w{short}.example.com');
    const fieldsOf = (await new NodeReadiness(apis, config(2000)).of('connected'))!;
    expect(fieldsOf('master-0.openstacklocal')).toEqual({ ready: true, schedulable: true });
    expect(fieldsOf('0.openstacklocal')).toEqual({ ready: false, schedulable: false });
    expect(fieldsOf('haproxy-0.openstacklocal')).toEqual({ ready: null, schedulable: null });
  });

  it('asks the cluster once per cache period, whoever calls nodestatus', async () => {
    const { apis, calls } = apisWith(async () => [node('worker-0', true)]);
    const readiness = new NodeReadiness(apis, config(60_000));
    await Promise.all([readiness.of('connected'), readiness.of('connected')]);
    await readiness.of('connected');
    expect(calls.nodes).toBe(1);
    const uncached = apisWith(async () => [node('worker-0', true)]);
    const every = new NodeReadiness(uncached.apis, config(0));
    await every.of('connected');
    await every.of('connected');
    expect(uncached.calls.nodes).toBe(2);
  });

  it('leaves the fields null, within the nodestatus timeout, when the API does not answer or fails', async () => {
    const hanging = apisWith(() => new Promise<ClusterNode[]>(() => undefined));
    const started = Date.now();
    const fieldsOf = (await new NodeReadiness(hanging.apis, config(2000, 150)).of('connected'))!;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fieldsOf('worker-0')).toEqual({ ready: null, schedulable: null });
    const failing = apisWith(async () => {
      throw new Error('the cluster API answered 503');
    });
    expect((await new NodeReadiness(failing.apis, config(2000)).of('connected'))!('worker-0')).toEqual({
      ready: null,
      schedulable: null,
    });
  });
});
