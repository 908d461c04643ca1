import { ClusterApiUnavailableError, type ClusterApi, type ClusterNode } from '@oshift/cluster-api';
import { DEFAULT_REBOOT_POLICY, decideAdmission } from '@oshift/jobs';
import { nodesWithHealth, rulesFor } from './reboot-sender';
import { node } from './reboot-world.fixture';

const MASTERS = ['master-0', 'master-1', 'master-2'].map((name, index) => node(name, `srv-${index}`));
const registry = { listNodes: async () => MASTERS };
const kubeNode = (name: string, ready: boolean, readyForMs: number): ClusterNode => ({
  name,
  hostname: name,
  ready,
  readySince: ready ? new Date(Date.now() - readyForMs) : null,
  bootId: `boot-${name}`,
  unschedulable: false,
});
/** A cluster connected to an API that lists `nodes` (or fails with `error`). */
const connected = (nodes: ClusterNode[] | Error) => ({
  connection: async () => ({
    nodePattern: null,
    api: {
      nodes: async () => {
        if (nodes instanceof Error) throw nodes;
        return nodes;
      },
    } as unknown as ClusterApi,
  }),
});

describe('the rules’ nodes on a cluster connected to its Kubernetes API', () => {
  it('are Nova’s alone when the cluster is not connected', async () => {
    expect(await nodesWithHealth(registry, { connection: async () => null }, 'c1')).toEqual({ nodes: MASTERS });
    expect(await nodesWithHealth(registry, undefined, 'c1')).toEqual({ nodes: MASTERS });
  });

  it('carry each matched node’s Ready, so a master ACTIVE in Nova but not Ready holds the next one back', async () => {
    const apis = connected([kubeNode('master-1', false, 0), kubeNode('master-2', true, 600_000)]);
    const health = await nodesWithHealth(registry, apis, 'c1');
    expect(health.kube).toEqual({ problem: null });
    expect(health.nodes.map((each) => [each.nodename, each.ready])).toEqual([
      ['master-0', undefined],
      ['master-1', false],
      ['master-2', true],
    ]);
    const rules = await rulesFor(registry, { clusterId: 'c1', target: 'master-0' }, apis);
    expect(rules(DEFAULT_REBOOT_POLICY, [], {})).toEqual({
      would: 'wait',
      reason: 'master-1 is not Ready in the cluster: etcd needs every other master',
    });
  });

  it('settle from the Ready transition', async () => {
    const apis = connected(MASTERS.map((each) => kubeNode(each.nodename, true, 30_000)));
    const health = await nodesWithHealth(registry, apis, 'c1');
    expect(decideAdmission({ target: 'master-0', policy: DEFAULT_REBOOT_POLICY, inFlight: [], ...health })).toEqual({
      would: 'wait',
      reason: expect.stringMatching(/^master-1 is not settled yet \(Ready 30 s of 120 s, 90 s still\)/),
    });
  });

  it('say why when the API cannot be read, and no master starts blind', async () => {
    const apis = connected(new ClusterApiUnavailableError('the cluster API did not answer within 5000 ms'));
    const rules = await rulesFor(registry, { clusterId: 'c1', target: 'master-0' }, apis);
    expect(rules(DEFAULT_REBOOT_POLICY, [], {})).toEqual({
      would: 'wait',
      reason:
        "the cluster's Kubernetes API cannot be read (the cluster API did not answer within 5000 ms): etcd needs every other master Ready",
    });
  });
});
