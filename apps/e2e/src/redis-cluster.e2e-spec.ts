import { RedisClusterSet } from '@oshift/testing';
import { ResumingFollower, stopFollowers } from './failover-run';
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
      stopFollowers();
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
