import { SystemUnderTest, type TestUser } from './system-under-test';

const CACHE_MS = 1000;
const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nodestatus through the shared node-status cache', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let operator: TestUser;
  let base: string;

  const statusOf = async (node: string): Promise<string | undefined> => {
    const response = await system.request('GET', `${base}/nodestatus`, { user: viewer });
    expect(response.status).toBe(200);
    const nodes = (await response.json()) as { nodename: string; status: string }[];
    return nodes.find((each) => each.nodename === node)?.status;
  };

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1500 },
      gatewayEnv: { NODE_STATUS_CACHE_MS: String(CACHE_MS), NODESTATUS_TIMEOUT_MS: '1000' },
      workerEnv: { NODE_STATUS_CACHE_MS: String(CACHE_MS), POLL_INTERVAL_MS: String(POLL_MS) },
    });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    base = `/api/openshift/${system.clusterId}`;
    await statusOf('worker-0.openstacklocal'); // warms the credential cache and the Keystone token
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('answers 40 concurrent clients with one Nova list call', async () => {
    await sleep(CACHE_MS + 100);
    const before = system.simulator.listCalls();
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => system.request('GET', `${base}/nodestatus`, { user: viewer })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(40).fill(200));
    expect(system.simulator.listCalls() - before).toBe(1);
  });

  it('shows REBOOT soon after the reboot starts, then ACTIVE, at about one list call per period', async () => {
    const target = 'worker-1.openstacklocal';
    expect(await statusOf(target)).toBe('ACTIVE');
    const before = system.simulator.listCalls();
    const startedAt = Date.now();
    const accepted = await system.request('POST', `${base}/reboot`, { user: operator, form: { target } });
    expect(accepted.status).toBe(202);

    let sawRebootAfterMs: number | null = null;
    let backAfterMs: number | null = null;
    while (Date.now() - startedAt < 10000 && backAfterMs === null) {
      const status = await statusOf(target);
      if (status === 'REBOOT' && sawRebootAfterMs === null) sawRebootAfterMs = Date.now() - startedAt;
      if (status === 'ACTIVE' && sawRebootAfterMs !== null) backAfterMs = Date.now() - startedAt;
      await sleep(50);
    }
    // The worker writes what it sees into the cache: no waiting for the cached list to expire.
    expect(sawRebootAfterMs).not.toBeNull();
    expect(sawRebootAfterMs!).toBeLessThan(CACHE_MS);
    expect(backAfterMs).not.toBeNull();
    // The worker lists the cluster once per poll while the reboot runs (its watcher); the gateway's 200-odd
    // nodestatus answers cost at most one more list call per cache period on top.
    const elapsed = Date.now() - startedAt;
    const watcherLists = Math.ceil(elapsed / POLL_MS) + 1;
    expect(system.simulator.listCalls() - before).toBeLessThanOrEqual(watcherLists + Math.ceil(elapsed / CACHE_MS) + 1);
  });

  it('answers 503 JSON within the nodestatus timeout when Nova is slow', async () => {
    // Nova slow first, then the cache left to expire: a listing the watcher began before (its last poll of the
    // previous test's reboot) can no longer refresh it just in time.
    system.simulator.setKnobs({ latencyMs: 4000 });
    await sleep(CACHE_MS + 100);
    try {
      const startedAt = Date.now();
      const response = await system.request('GET', `${base}/nodestatus`, { user: viewer });
      expect(Date.now() - startedAt).toBeLessThan(2500);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error: expect.any(String) });
    } finally {
      system.simulator.setKnobs({ latencyMs: 0 });
    }
  });
});
