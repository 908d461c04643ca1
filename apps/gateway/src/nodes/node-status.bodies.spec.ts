import type { ClusterNode } from '@oshift/node-registry';
import { NodeStatusBodies } from './node-status.bodies';

const nodes: ClusterNode[] = [
  { nodename: 'haproxy-0.openstacklocal', status: 'ACTIVE', serverId: 's-1', taskState: null },
  { nodename: 'worker-0.openstacklocal', status: 'REBOOT', serverId: 's-2', taskState: 'rebooting' },
];

describe('NodeStatusBodies', () => {
  it('is the reference JSON of nodename and status, nothing else of the node', () => {
    expect(new NodeStatusBodies().of(nodes, null)).toBe(
      '[{"nodename":"haproxy-0.openstacklocal","status":"ACTIVE"},' +
        '{"nodename":"worker-0.openstacklocal","status":"REBOOT"}]',
    );
    expect(new NodeStatusBodies().of([], null)).toBe('[]');
  });

  it('puts the readiness fields after the two of the reference, when the cluster is connected', () => {
    const readinessOf = (name: string) =>
      name.startsWith('worker') ? { ready: true, schedulable: false } : { ready: null, schedulable: null };
    expect(JSON.parse(new NodeStatusBodies().of(nodes, readinessOf))).toEqual([
      { nodename: 'haproxy-0.openstacklocal', status: 'ACTIVE', ready: null, schedulable: null },
      { nodename: 'worker-0.openstacklocal', status: 'REBOOT', ready: true, schedulable: false },
    ]);
  });

  it('makes the text once per list and readiness, and again for another of either', () => {
    const bodies = new NodeStatusBodies();
    const readinessOf = jest.fn(() => ({ ready: true, schedulable: true }));
    const first = bodies.of(nodes, readinessOf);
    expect(bodies.of(nodes, readinessOf)).toBe(first);
    expect(readinessOf).toHaveBeenCalledTimes(2);
    expect(bodies.of(nodes, null)).not.toBe(first);
    const changed = nodes.map((node) => ({ ...node, status: 'ACTIVE' }));
    expect(bodies.of(changed, null)).toContain('"nodename":"worker-0.openstacklocal","status":"ACTIVE"');
  });
});
