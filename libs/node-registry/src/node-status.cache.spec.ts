import type { ClusterNode } from './cluster-node';
import { connectRedis } from '@oshift/redis';
import { NodeStatusCache } from './node-status.cache';

const nodes: ClusterNode[] = [
  { nodename: 'master-0.openstacklocal', status: 'ACTIVE', serverId: 's-1', taskState: null },
];

describe('NodeStatusCache without Redis', () => {
  it('shares one load among concurrent lookups of a cluster, and loads again afterwards', async () => {
    const cache = NodeStatusCache.create(undefined);
    let release!: () => void;
    const load = jest.fn(() => new Promise<ClusterNode[]>((resolve) => (release = () => resolve(nodes))));
    const lookups = Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)]);
    release();
    expect(await lookups).toEqual([nodes, nodes, nodes]);
    expect(load).toHaveBeenCalledTimes(1);

    const again = cache.get('a', load);
    release();
    expect(await again).toBe(nodes);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('passes a failed load to every waiting caller, then tries again', async () => {
    const redis = connectRedis('redis://127.0.0.1:1', 'one-shot');
    const cache = NodeStatusCache.create({ redis, prefix: 'x', ttlMs: 0 });
    const failing = jest.fn(async (): Promise<ClusterNode[]> => {
      throw new Error('nova down');
    });
    const both = [cache.get('a', failing), cache.get('a', failing)];
    await expect(both[0]).rejects.toThrow('nova down');
    await expect(both[1]).rejects.toThrow('nova down');
    expect(failing).toHaveBeenCalledTimes(1);
    expect(await cache.get('a', async () => nodes)).toBe(nodes);
    expect(await cache.ready(10)).toBe(false);
  });
});
