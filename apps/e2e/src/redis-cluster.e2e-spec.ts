import { RedisClusterSet } from '@oshift/testing';
import {
  firstLineAt,
  followAll,
  rebootAll,
  rebootUntilAccepted,
  reportMeasured,
  ResumingFollower,
} from './failover-run';
import { followJob, startReboot } from './job-polling';
import { describeReferenceFlow } from './reference-flow';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Every process on a Redis Cluster of three primaries (`REDIS_CLUSTER_NODES`): BullMQ's queue, the node-status
 * cache's scripts, watch leases, login throttling and pub/sub all work, with every key of the deployment under
 * the hash-tagged prefix, so in one slot on one primary.
 */
describe('on a Redis Cluster of three primaries', () => {
  let cluster: RedisClusterSet;
  const onCluster = (options: Parameters<typeof SystemUnderTest.start>[0] = {}) =>
    SystemUnderTest.start({ ...options, redisEnv: { REDIS_CLUSTER_NODES: cluster.addresses } });

  beforeAll(async () => {
    cluster = await RedisClusterSet.start();
  }, 60000);

  afterAll(async () => {
    await cluster?.stop();
  });

  describeReferenceFlow('the API reference', () => onCluster({ knobs: { rebootDurationMs: 1500 } }));

  describe('a rolling reboot and an event stream', () => {
    let system: SystemUnderTest;
    let operator: TestUser;

    beforeAll(async () => {
      system = await onCluster({
        knobs: { rebootDurationMs: 1500 },
        workers: 2,
        workerEnv: { POLL_INTERVAL_MS: '1000' },
      });
      operator = await system.user(['reboot']);
    }, 120000);

    afterAll(async () => {
      await system?.stop();
    });

    it('reboots every worker node one at a time, in one job ending Done', async () => {
      const response = await system.request('POST', `/api/openshift/${system.clusterId}/rolling-reboot`, {
        user: operator,
        json: { role: 'worker' },
      });
      expect(response.status).toBe(202);
      const { job_id: jobId } = (await response.json()) as { job_id: string };
      const job = await followJob(system, operator, jobId, { timeoutMs: 120000 });
      expect(job.errors).toBe('');
      expect(job.output.split('\n').filter((line) => line.endsWith(' ACTIVE'))).toEqual([
        'worker-0.openstacklocal ACTIVE',
        'worker-1.openstacklocal ACTIVE',
        'worker-2.openstacklocal ACTIVE',
      ]);
      expect(job.output.endsWith('\nDone')).toBe(true);
      for (const name of ['worker-0', 'worker-1', 'worker-2'])
        expect(system.simulator.rebootActions(`${name}.openstacklocal`)).toBe(1);
    }, 150000);

    it('streams a job line by line to its end, over the Cluster’s pub/sub', async () => {
      const jobId = await startReboot(system, operator, 'infra-0.openstacklocal');
      const follower = new ResumingFollower(
        `${system.baseUrl}/api/openshift/${system.clusterId}/job/${jobId}`,
        operator,
      );
      await follower.done;
      const job = await followJob(system, operator, jobId);
      expect(follower.reconnects).toBe(0);
      expect(follower.lines.map((line) => line.id)).toEqual(follower.lines.map((_, index) => index + 1));
      expect(follower.lines.map((line) => line.text).join('\n')).toBe(job.output);
      expect(JSON.parse(follower.end as string)).toEqual({ state: 'done', errors: '' });
    });

    it('keeps every key of the deployment in one slot, so on one primary', async () => {
      // The processes' keys are under the hash tag `{REDIS_PREFIX}`.
      const perNode = await cluster.keysPerNode(`{${system.redisPrefix}}:`);
      expect(perNode.filter((count) => count > 0)).toHaveLength(1);
      expect(perNode.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(3);
      // …and none outside it.
      expect(await cluster.keysPerNode(system.redisPrefix)).toEqual([0, 0, 0]);
    });
  });
});

describe('a Redis Cluster primary SIGKILLed under 20 reboots in flight (one replica per primary)', () => {
  const nodes = Array.from({ length: 20 }, (_, i) => `app-${String(i).padStart(2, '0')}.openstacklocal`);
  const probe = 'probe-0.openstacklocal';
  let cluster: RedisClusterSet;
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    cluster = await RedisClusterSet.start(1);
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 10000 },
      extraServers: [...nodes, probe],
      workers: 2,
      redisEnv: { REDIS_CLUSTER_NODES: cluster.addresses },
      workerEnv: { POLL_INTERVAL_MS: '1000' },
    });
    operator = await system.user(['reboot']);
    await system.setRebootPolicy({ roles: { other: { max_parallel: 1000 } } });
  }, 120000);

  afterAll(async () => {
    await system?.stop();
    await cluster?.stop();
  });

  it('loses no job and reboots no server twice; its replica takes over and reboots are accepted again', async () => {
    const jobIds = await rebootAll(system, operator, nodes);
    await followJob(system, operator, jobIds[0], { until: (output) => output.includes('REBOOT') });
    const primary = await cluster.primaryOf(`{${system.redisPrefix}}:anything`);

    const diedAt = Date.now();
    await primary.kill('SIGKILL');
    const probed = await rebootUntilAccepted(system, operator, probe, { timeoutMs: 90000 });
    const lineAt = await firstLineAt(system, operator, probed.jobId);
    for (const answer of probed.answers.slice(0, -1)) {
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 503,
        body: { error: expect.any(String) },
      });
      expect(answer.retryAfter).toMatch(/^\d+$/);
    }
    const jobs = await followAll(system, operator, [...jobIds, probed.jobId]);
    expect(jobs.filter((job) => !job.output.endsWith('\nDone'))).toEqual([]);
    expect([...nodes, probe].map((node) => system.simulator.rebootActions(node))).toEqual(
      [...nodes, probe].map(() => 1),
    );
    const figures = {
      acceptedAfterS: Number(((probed.acceptedAt - diedAt) / 1000).toFixed(1)),
      firstLineAfterS: Number(((lineAt - diedAt) / 1000).toFixed(1)),
      slowestAnswerMs: Math.max(...probed.answers.map((answer) => answer.ms)),
      jobsLost: 0,
      duplicateReboots: 0,
      clusterNodeTimeoutMs: 5000,
    };
    reportMeasured(
      "Redis Cluster failover (SIGKILL of the primary of the deployment's slot, 20 reboots in flight)",
      figures,
    );
    // The same promise as through Sentinel: within 15 s (with cluster-node-timeout 5000).
    expect(figures.acceptedAfterS * 1000).toBeLessThan(15000);
    expect(figures.firstLineAfterS * 1000).toBeLessThan(15000);
  }, 240000);
});
