import { TcpProxy, testServices, type TcpProxyOutage } from '@oshift/testing';
import { expectUnavailable as expectAllUnavailable, timed, type Answer } from './failover-run';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Postgres, Redis and OpenStack failing under the real gateway process: every call answers within a bounded
 * time, with a JSON 503 and Retry-After where it needs what is down (never a hang, never a 500), and works
 * again once the dependency is back, without a restart. The gateway reaches Postgres and Redis through
 * proxies this test pauses (the servers themselves are shared and never touched); the worker goes direct.
 */
const OPENSTACK_TIMEOUT_MS = 500;
/** A refused connection fails at once; this is slack for a loaded machine. */
const REFUSED_BOUND_MS = 3000;
/**
 * Partitioned Postgres, per database round trip: the pool's connect timeout (3 s), or on a pooled connection
 * gone silent the client's query timeout (the gateway's 5 s statement timeout + 1 s, after which that
 * connection is closed).
 */
const POSTGRES_PARTITION_BOUND_MS = 7000;
/**
 * A refused reboot makes two round trips in a row: the node lookup (itself cut at NODESTATUS_TIMEOUT_MS, 5 s)
 * and the audit record of the refusal.
 */
const POSTGRES_PARTITION_REBOOT_BOUND_MS = 5000 + POSTGRES_PARTITION_BOUND_MS;
/**
 * Partitioned Redis, for a reboot: login throttling lets the attempt through after 0.5 s, the node-status cache
 * asks Nova after 1 s, the producer gives up on the queue after 3 s.
 */
const REDIS_PARTITION_BOUND_MS = 7000;
/** Slow or failing Nova: 4 attempts of OPENSTACK_TIMEOUT_MS plus jittered backoff (below 1.4 s). */
const OPENSTACK_BOUND_MS = 4 * OPENSTACK_TIMEOUT_MS + 2500;
const RECOVERY_MS = 15000;

function expectUnavailable(answer: Answer, boundMs: number): void {
  expectAllUnavailable([answer], boundMs);
}

/** Retries `check` until it passes or `timeoutMs` runs out (then throws its last failure). */
async function eventually(check: () => Promise<void>, timeoutMs = RECOVERY_MS): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the gateway when Postgres, Redis or OpenStack fails', () => {
  let system: SystemUnderTest;
  let postgres: TcpProxy;
  let redis: TcpProxy;
  let viewer: TestUser;
  let operator: TestUser;
  let base: string;
  let doneJobId: string;
  let gatewayPid: number;

  const nodeStatus = (user: TestUser = viewer) => timed(system.request('GET', `${base}/nodestatus`, { user }));
  const job = (user: TestUser = viewer) => timed(system.request('GET', `${base}/job/${doneJobId}`, { user }));
  const reboot = (target: string, user: TestUser = operator) =>
    timed(system.request('POST', `${base}/reboot`, { user, form: { target } }));
  /** Tries a reboot until it is accepted again: the job, and how long the gateway took to recover. */
  const acceptedAgain = async (target: string, timeoutMs = RECOVERY_MS) => {
    let jobId = '';
    const recoveredInMs = await eventually(async () => {
      const answer = await reboot(target);
      expect(answer.status).toBe(202);
      jobId = (answer.body as { job_id: string }).job_id;
    }, timeoutMs);
    return { jobId, recoveredInMs };
  };
  const jobsOf = async (target: string): Promise<number> =>
    (
      await system.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE cluster_id = $1 AND target = $2`, [
        system.clusterId,
        target,
      ])
    )[0].n;

  beforeAll(async () => {
    const services = testServices();
    [postgres, redis] = await Promise.all([TcpProxy.forUrl(services.databaseUrl), TcpProxy.forUrl(services.redisUrl)]);
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1000 },
      gatewayEnv: {
        DATABASE_URL: postgres.url(services.databaseUrl),
        REDIS_URL: redis.url(services.redisUrl),
        OPENSTACK_TIMEOUT_MS: String(OPENSTACK_TIMEOUT_MS),
        // A short node-status cache, so that it cannot hide an outage from these checks for long.
        NODE_STATUS_CACHE_MS: '300',
      },
      // The worker writes the same cache entries (when it looks a node up): one cache period per deployment.
      workerEnv: { NODE_STATUS_CACHE_MS: '300' },
    });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    base = `/api/openshift/${system.clusterId}`;
    doneJobId = await startReboot(system, operator, 'infra-0.openstacklocal');
    await followJob(system, operator, doneJobId);
    gatewayPid = system.gateway.pid as number;
  }, 120000);

  afterEach(() => {
    postgres.resume();
    redis.resume();
    system.simulator.setKnobs({ latencyMs: 0, errorRate: 0 });
  });

  afterAll(async () => {
    await system?.stop();
    await Promise.all([postgres?.close(), redis?.close()]);
  });

  describe.each<[string, TcpProxyOutage, number, number]>([
    ['stopped (connections refused)', 'refuse', REFUSED_BOUND_MS, REFUSED_BOUND_MS],
    [
      'partitioned (packets dropped, open connections silent)',
      'blackhole',
      POSTGRES_PARTITION_BOUND_MS,
      POSTGRES_PARTITION_REBOOT_BOUND_MS,
    ],
  ])('Postgres %s', (_, outage, boundMs, rebootBoundMs) => {
    it('answers nodestatus, job and reboot with a JSON 503 in bounded time, then recovers without a restart', async () => {
      const stranger = await system.user(['read']); // credentials the gateway has never verified
      // Open pooled connections first, so that a partition freezes some mid-flight.
      expect(
        (await Promise.all([nodeStatus(), job(), nodeStatus(operator), job(operator)])).map((a) => a.status),
      ).toEqual([200, 200, 200, 200]);

      postgres.pause(outage);
      await sleep(400); // node lists cached before the outage expire
      const answers = await Promise.all([nodeStatus(), job(), reboot('master-1.openstacklocal'), nodeStatus(stranger)]);
      answers.forEach((answer, index) => expectUnavailable(answer, index === 2 ? rebootBoundMs : boundMs));
      const ready = await timed(system.request('GET', '/readyz'));
      // Readiness is the pod's own: the gateway stays in the Service, the outage shows in the detail.
      expect({ status: ready.status, body: ready.body }).toEqual({
        status: 200,
        body: { status: 'ok', checks: { postgres: 'down', redis: 'up' } },
      });

      postgres.resume();
      const recoveredInMs = await eventually(async () => {
        expect((await nodeStatus(stranger)).status).toBe(200);
      });
      expect((await job()).status).toBe(200);
      const started = await reboot('master-1.openstacklocal');
      expect(started.status).toBe(202);
      expect((await followJob(system, operator, (started.body as { job_id: string }).job_id)).output).toMatch(
        /\nDone$/,
      );
      expect(process.kill(gatewayPid, 0)).toBe(true);
      console.log(JSON.stringify({ postgres: outage, answersMs: answers.map((a) => a.ms), recoveredInMs }));
    });
  });

  describe.each<[string, TcpProxyOutage, number]>([
    ['stopped (connections refused)', 'refuse', REFUSED_BOUND_MS],
    ['partitioned (packets dropped, open connections silent)', 'blackhole', REDIS_PARTITION_BOUND_MS],
  ])('Redis %s', (_, outage, boundMs) => {
    it('refuses reboots with a JSON 503 and no job left behind, serves reads, then accepts reboots again', async () => {
      const target = outage === 'refuse' ? 'worker-1.openstacklocal' : 'worker-2.openstacklocal';
      redis.pause(outage);
      await sleep(400);

      const refused = await reboot(target);
      expectUnavailable(refused, boundMs);
      expect(await jobsOf(target)).toBe(0);
      // Reads need no Redis: the node-status cache and login throttling step aside while it is away.
      const [nodes, output] = await Promise.all([nodeStatus(), job()]);
      expect([nodes.status, output.status]).toEqual([200, 200]);
      expect(nodes.ms).toBeLessThan(boundMs);
      expect((nodes.body as unknown[]).length).toBe(10);
      const ready = await timed(system.request('GET', '/readyz'));
      expect({ status: ready.status, body: ready.body }).toEqual({
        status: 200,
        body: { status: 'ok', checks: { postgres: 'up', redis: 'down' } },
      });

      redis.resume();
      const { jobId, recoveredInMs } = await acceptedAgain(target);
      expect((await followJob(system, operator, jobId)).output).toMatch(/\nDone$/);
      expect(await jobsOf(target)).toBe(1);
      // The 503 was true: its enqueue, landing late once Redis was back, rebooted nothing.
      await sleep(2000);
      expect(system.simulator.rebootActions(target)).toBe(1);
      expect(process.kill(gatewayPid, 0)).toBe(true);
      console.log(JSON.stringify({ redis: outage, rebootMs: refused.ms, nodeStatusMs: nodes.ms, recoveredInMs }));
    });
  });

  it('stays ready while Postgres is stopped for 10 s, and the API answers JSON 503s meanwhile', async () => {
    postgres.pause('refuse');
    const stoppedAt = Date.now();
    await sleep(400); // node lists cached before the outage expire
    const readiness: Answer[] = [];
    const answers: Answer[] = [];
    // What the kubelet's probe and customers see, every second of the outage.
    while (Date.now() - stoppedAt < 10000) {
      const [ready, nodes, output] = await Promise.all([
        timed(system.request('GET', '/readyz')),
        nodeStatus(),
        job(),
        sleep(1000),
      ]);
      readiness.push(ready);
      answers.push(nodes, output);
    }
    expect(readiness.length).toBeGreaterThanOrEqual(8);
    for (const ready of readiness)
      expect({ status: ready.status, body: ready.body }).toEqual({
        status: 200,
        body: { status: 'ok', checks: { postgres: 'down', redis: 'up' } },
      });
    // Every answer that needs Postgres is the API's own JSON 503 with Retry-After, never a 500 or a hang.
    for (const answer of answers) expectUnavailable(answer, REFUSED_BOUND_MS);
    // The outage shows in the metrics (the alert OshiftDependencyDown reads this), not in readiness.
    const metrics = await (await fetch(`${system.gatewayMetricsUrl()}/metrics`)).text();
    expect(metrics).toContain('oshift_dependency_up{dependency="postgres"} 0\n');
    expect(metrics).toContain('oshift_dependency_up{dependency="redis"} 1\n');

    postgres.resume();
    await eventually(async () => {
      expect((await nodeStatus()).status).toBe(200);
    });
    const ready = await timed(system.request('GET', '/readyz'));
    expect({ status: ready.status, body: ready.body }).toEqual({
      status: 200,
      body: { status: 'ok', checks: { postgres: 'up', redis: 'up' } },
    });
    console.log(JSON.stringify({ postgres: 'refused for 10 s', probes: readiness.length, answers: answers.length }));
  });

  it('notices within seconds that Redis is back, even after a long outage', async () => {
    const target = 'worker-0.openstacklocal';
    redis.pause('refuse');
    // Long enough for a reconnect backoff that keeps growing (BullMQ's own reaches 20 s) to show.
    for (const end = Date.now() + 12000; Date.now() < end; await sleep(2000)) {
      expectUnavailable(await reboot(target), REFUSED_BOUND_MS);
    }
    expect(await jobsOf(target)).toBe(0);

    redis.resume();
    const { jobId, recoveredInMs } = await acceptedAgain(target, 5000);
    expect(recoveredInMs).toBeLessThan(5000);
    expect((await followJob(system, operator, jobId)).output).toMatch(/\nDone$/);
    console.log(JSON.stringify({ redis: 'refused for 12 s', recoveredInMs }));
  });

  it.each<[string, { latencyMs?: number; errorRate?: number }]>([
    ['slower than the OpenStack timeout', { latencyMs: OPENSTACK_TIMEOUT_MS * 4 }],
    ['answering 500 to everything', { errorRate: 1 }],
  ])('answers nodestatus with a JSON 503 in bounded time when Nova is %s, then recovers', async (_, knobs) => {
    system.simulator.setKnobs(knobs);
    await sleep(400);
    const answers = await Promise.all([nodeStatus(), nodeStatus(operator)]);
    for (const answer of answers) expectUnavailable(answer, OPENSTACK_BOUND_MS);

    system.simulator.setKnobs({ latencyMs: 0, errorRate: 0 });
    const recoveredInMs = await eventually(async () => {
      expect((await nodeStatus()).status).toBe(200);
    });
    console.log(JSON.stringify({ nova: knobs, answersMs: answers.map((a) => a.ms), recoveredInMs }));
  });
});
