import type { ClusterNode } from './cluster-api';
import { matchNode, nodeNameFor } from './match-node';

const node = (name: string, hostname: string | null = name): ClusterNode => ({
  name,
  hostname,
  ready: true,
  readySince: new Date('2026-12-06T10:00:00Z'),
  bootId: `boot-${name}`,
  unschedulable: false,
});

describe('matchNode', () => {
  it('takes the node named as the server first', () => {
    const nodes = [node('other', 'worker-0.openstacklocal'), node('worker-0.openstacklocal', 'worker-0')];
    expect(matchNode('worker-0.openstacklocal', nodes)?.name).toBe('worker-0.openstacklocal');
  });

  it("else the node whose kubernetes.io/hostname label is the server's name", () => {
    const nodes = [node('ip-10-0-0-7.internal', 'worker-0.openstacklocal'), node('ip-10-0-0-8.internal', 'worker-1')];
    expect(matchNode('worker-0.openstacklocal', nodes)?.name).toBe('ip-10-0-0-7.internal');
  });

  it("else the node the cluster's pattern names, with {short} and {name}", () => {
    const nodes = [node('worker-0.prod-a.example.com', null), node('node-master-1.openstacklocal', null)];
    expect(matchNode('worker-0.openstacklocal', nodes, '{short}.prod-a.example.com')?.name).toBe(
      'worker-0.prod-a.example.com',
    );
    expect(matchNode('master-1.openstacklocal', nodes, 'node-{name}')?.name).toBe('node-master-1.openstacklocal');
  });

  it('compares in lower case, as Kubernetes stores node names', () => {
    expect(matchNode('Worker-0.OpenStackLocal', [node('worker-0.openstacklocal')])?.name).toBe(
      'worker-0.openstacklocal',
    );
  });

  it('answers null when nothing matches, the pattern included (never a guess)', () => {
    const nodes = [node('worker-10.openstacklocal'), node('worker-0', null)];
    expect(matchNode('worker-1.openstacklocal', nodes)).toBeNull();
    expect(matchNode('worker-0.openstacklocal', nodes)).toBeNull();
    expect(matchNode('worker-1.openstacklocal', nodes, '{short}.example.com')).toBeNull();
    expect(matchNode('haproxy-0.openstacklocal', [])).toBeNull();
  });
});

describe('nodeNameFor', () => {
  it('puts the whole name for {name} and the part before the first dot for {short}', () => {
    expect(nodeNameFor('infra-2.openstacklocal', '{short}.apps.example.com')).toBe('infra-2.apps.example.com');
    expect(nodeNameFor('infra-2.openstacklocal', '{name}')).toBe('infra-2.openstacklocal');
    expect(nodeNameFor('infra-2', '{short}-{short}')).toBe('infra-2-infra-2');
  });
});
