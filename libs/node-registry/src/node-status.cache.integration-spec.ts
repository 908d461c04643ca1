import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import {
  CloudUnavailableError,
  ClusterAdmin,
  type ClusterNode,
  ClusterRepository,
  ClusterSecrets,
  NodeRegistry,
  type NodeRegistryOptions,
  NodeStatusCache,
  nodeRegistryEntities,
  OpenStackClients,
} from './index';
import { OpenStackSimulator, demoProject } from '@oshift/openstack-sim';
import { dataSourceOptions } from '@oshift/persistence';
import { connectRedis } from '@oshift/redis';
import { freePort, testServices } from '@oshift/testing';

const TTL_MS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NodeStatusCache (real Redis, the simulator as Nova)', () => {
  const project = demoProject();
  const services = () => testServices();
  const connections: Redis[] = [];
  let sim: OpenStackSimulator;
  let dataSource: DataSource;
  let clusterId: string;
  let prefix: string;

  const options: NodeRegistryOptions = {
    secrets: new ClusterSecrets({ env: { SIM_PASSWORD: project.users[0].password } }),
    // No client-side retries: every Nova request below is one request at the simulator.
    openstack: { timeoutMs: 2000, retries: 0 },
    lookupTimeoutMs: 1500,
  };

  /** One gateway or worker process: its own Redis connection, cache and Nova clients. */
  async function replica(settings: { ttlMs?: number; timeoutMs?: number } = {}): Promise<NodeRegistry> {
    const redis = connectRedis(services().redisUrl, 'commands');
    connections.push(redis);
    const cache = new NodeStatusCache(redis, { prefix, ttlMs: settings.ttlMs ?? TTL_MS, lockMs: 1500 });
    await cache.ready();
    const own = { ...options, lookupTimeoutMs: settings.timeoutMs ?? options.lookupTimeoutMs };
    return new NodeRegistry(new ClusterRepository(dataSource), new OpenStackClients(own), cache, own);
  }

  const statuses = (nodes: ClusterNode[]) => Object.fromEntries(nodes.map((node) => [node.nodename, node.status]));

  beforeAll(async () => {
    sim = await OpenStackSimulator.start({ projects: [project], knobs: { rebootDurationMs: 300 } });
    dataSource = new DataSource({
      ...dataSourceOptions({ url: services().databaseUrl, poolSize: 4 }, nodeRegistryEntities),
      logging: false,
    });
    await dataSource.initialize();
    clusterId = `cache-${randomBytes(4).toString('hex')}.example.test`;
    await new ClusterAdmin(dataSource).upsert(
      {
        id: clusterId,
        authUrl: sim.identityUrl,
        projectName: project.name,
        projectDomain: 'Default',
        username: project.users[0].name,
        userDomain: 'Default',
        secretRef: 'env:SIM_PASSWORD',
      },
      'test:node-status-cache',
    );
  });

  beforeEach(() => {
    // A fresh key prefix per test: no entry, lock or generation left over from another test.
    prefix = `${services().redisPrefix}-nsc-${randomBytes(3).toString('hex')}`;
    sim.reset();
  });

  afterEach(() => {
    for (const redis of connections.splice(0)) redis.disconnect();
  });

  afterAll(async () => {
    await sim.close();
    await dataSource.destroy();
  });

  it('answers many concurrent lookups with one Nova list call per cache period', async () => {
    const registry = await replica();
    const before = sim.listCalls();
    const answers = await Promise.all(Array.from({ length: 50 }, () => registry.listNodes(clusterId)));
    expect(sim.listCalls() - before).toBe(1);
    expect(answers.every((nodes) => nodes.length === 10)).toBe(true);
    expect(answers[0][0]).toMatchObject({ nodename: 'haproxy-0.openstacklocal', status: 'ACTIVE' });

    await Promise.all(Array.from({ length: 50 }, () => registry.listNodes(clusterId)));
    expect(sim.listCalls() - before).toBe(1);

    await sleep(TTL_MS + 50);
    await Promise.all(Array.from({ length: 50 }, () => registry.listNodes(clusterId)));
    expect(sim.listCalls() - before).toBe(2);
  });

  it('coalesces two replicas: the one without the lock waits for the other one’s answer', async () => {
    const [first, second] = [await replica(), await replica()];
    sim.setKnobs({ latencyMs: 150 });
    const before = sim.listCalls();
    const [fromFirst, fromSecond] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => first.listNodes(clusterId))),
      sleep(20).then(() => Promise.all(Array.from({ length: 20 }, () => second.listNodes(clusterId)))),
    ]);
    expect(sim.listCalls() - before).toBe(1);
    expect([...fromFirst, ...fromSecond].every((nodes) => nodes.length === 10)).toBe(true);
  });

  it('keeps Nova at about one list call per period while two replicas poll without pause', async () => {
    const replicas = [await replica(), await replica()];
    const before = sim.listCalls();
    const startedAt = Date.now();
    const runMs = 2000;
    await Promise.all(
      replicas.flatMap((registry) =>
        Array.from({ length: 8 }, async () => {
          while (Date.now() - startedAt < runMs) await registry.listNodes(clusterId);
        }),
      ),
    );
    const periods = (Date.now() - startedAt) / TTL_MS;
    const calls = sim.listCalls() - before;
    expect(calls).toBeGreaterThanOrEqual(Math.floor(periods) - 1);
    expect(calls).toBeLessThanOrEqual(Math.ceil(periods));
  });

  it('shows a status a worker saw at once, without asking Nova', async () => {
    const [gateway, worker] = [await replica(), await replica()];
    const target = 'worker-1.openstacklocal';
    expect(statuses(await gateway.listNodes(clusterId))[target]).toBe('ACTIVE');
    const before = sim.listCalls();

    const node = (await worker.findNode(clusterId, target))!;
    await worker.noteNodeStatus(clusterId, { ...node, status: 'REBOOT', taskState: 'rebooting' });
    expect(statuses(await gateway.listNodes(clusterId))[target]).toBe('REBOOT');
    expect((await gateway.findNode(clusterId, target))?.taskState).toBe('rebooting');

    await worker.noteNodeStatus(clusterId, { ...node, status: 'ACTIVE', taskState: null });
    const nodes = await gateway.listNodes(clusterId);
    expect(statuses(nodes)[target]).toBe('ACTIVE');
    expect(nodes.find((each) => each.nodename === target)?.taskState).toBeNull();
    expect(nodes.map((each) => each.nodename)).toEqual([...nodes.map((each) => each.nodename)].sort());
    expect(sim.listCalls()).toBe(before);
  });

  it('hands back the same list while its entry is unchanged, and a new one once a worker changed it', async () => {
    const [gateway, worker] = [await replica(), await replica()];
    const target = 'worker-0.openstacklocal';
    const first = await gateway.listNodes(clusterId);
    const again = await gateway.listNodes(clusterId);
    expect(again).toBe(first);

    const node = (await worker.findNode(clusterId, target))!;
    await worker.noteNodeStatus(clusterId, { ...node, status: 'REBOOT', taskState: 'rebooting' });
    const changed = await gateway.listNodes(clusterId);
    expect(changed).not.toBe(first);
    expect(statuses(changed)[target]).toBe('REBOOT');
    await worker.noteNodeStatus(clusterId, { ...node, status: 'ACTIVE', taskState: null });
    expect(statuses(await gateway.listNodes(clusterId))[target]).toBe('ACTIVE');
  });

  it('does not store a listing that began before a worker saw a change', async () => {
    const [gateway, worker] = [await replica(), await replica()];
    const target = 'worker-2.openstacklocal';
    const node = (await worker.findNode(clusterId, target))!;
    await sleep(TTL_MS + 50);

    sim.setKnobs({ latencyMs: 200 });
    const slowListing = gateway.listNodes(clusterId);
    await sleep(50);
    // Meanwhile the reboot starts and the worker sees it (the listing in flight predates it).
    await worker.noteNodeStatus(clusterId, { ...node, status: 'REBOOT', taskState: 'rebooting' });
    expect(statuses(await slowListing)[target]).toBe('ACTIVE');

    sim.setKnobs({ latencyMs: 0 });
    const before = sim.listCalls();
    await gateway.listNodes(clusterId);
    expect(sim.listCalls() - before).toBe(1);
  });

  it('answers known and unknown names from the cached list: a burst of bogus names costs Nova nothing more', async () => {
    const registry = await replica({ ttlMs: 10000 });
    await registry.listNodes(clusterId);
    const before = sim.listCalls();
    expect(await registry.findNode(clusterId, 'master-2.openstacklocal')).toMatchObject({ status: 'ACTIVE' });
    for (let i = 0; i < 50; i++) expect(await registry.findNode(clusterId, `bogus-${i}.openstacklocal`)).toBeNull();
    expect(sim.listCalls() - before).toBe(0);
  });

  it('asks Nova directly when Redis is down', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const redis = connectRedis(deadRedis, 'commands');
    connections.push(redis);
    const cache = NodeStatusCache.create({ redis, prefix, ttlMs: TTL_MS });
    expect(await cache.ready(200)).toBe(false);
    const registry = new NodeRegistry(new ClusterRepository(dataSource), new OpenStackClients(options), cache, options);

    const before = sim.listCalls();
    const startedAt = Date.now();
    expect(await registry.listNodes(clusterId)).toHaveLength(10);
    expect(await registry.listNodes(clusterId)).toHaveLength(10);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    // The process keeps its own list for one period: still one Nova listing per period.
    expect(sim.listCalls() - before).toBe(1);
    await sleep(TTL_MS + 50);
    // Concurrent lookups in one process share one call.
    await Promise.all(Array.from({ length: 10 }, () => registry.listNodes(clusterId)));
    expect(sim.listCalls() - before).toBe(2);
    expect(await registry.findNode(clusterId, 'infra-1.openstacklocal')).toMatchObject({ status: 'ACTIVE' });
  });

  it('shares a Nova failure briefly, so other replicas answer 503 without calling Nova again', async () => {
    const [first, second] = [await replica(), await replica()];
    sim.setKnobs({ errorRate: 1 });
    const before = sim.listCalls();
    await expect(first.listNodes(clusterId)).rejects.toBeInstanceOf(CloudUnavailableError);
    await expect(second.listNodes(clusterId)).rejects.toBeInstanceOf(CloudUnavailableError);
    expect(sim.listCalls() - before).toBe(1);

    sim.setKnobs({ errorRate: 0 });
    await sleep(TTL_MS + 50);
    expect(await second.listNodes(clusterId)).toHaveLength(10);
  });

  it('fails within the lookup timeout when Nova is slow', async () => {
    const registry = await replica({ timeoutMs: 300 });
    sim.setKnobs({ latencyMs: 3000 });
    const startedAt = Date.now();
    await expect(registry.listNodes(clusterId)).rejects.toBeInstanceOf(CloudUnavailableError);
    expect(Date.now() - startedAt).toBeLessThan(800);
    const again = Date.now();
    await expect(registry.findNode(clusterId, 'worker-0.openstacklocal')).rejects.toBeInstanceOf(CloudUnavailableError);
    expect(Date.now() - again).toBeLessThan(800);
    // Let the abandoned Nova call end before the simulator closes.
    await sleep(2500);
  });
});
