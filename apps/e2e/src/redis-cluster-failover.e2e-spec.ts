import { RedisClusterSet } from '@oshift/testing';
import {
  expectAllDoneOnce,
  expectUnavailable,
  firstLineAt,
  rebootAll,
  rebootUntilAccepted,
  reportMeasured,
  startLoadedSystem,
} from './failover-run';
import { followJob } from './job-polling';
import type { SystemUnderTest, TestUser } from './system-under-test';

/** Any one answer while the slot's primary is away (the producer's 3 s and slack, as through Sentinel). */
const ANSWER_BOUND_MS = 7000;

/**
 * A Redis Cluster failover under load, in a file of its own: a Cluster with one replica per primary, the primary
 * of the deployment's slot SIGKILLed while 20 reboots are in flight.
 */
describe('a Redis Cluster primary SIGKILLed under 20 reboots in flight (one replica per primary)', () => {
  const nodes = Array.from({ length: 20 }, (_, i) => `app-${String(i).padStart(2, '0')}.openstacklocal`);
  const probe = 'probe-0.openstacklocal';
  let cluster: RedisClusterSet;
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    cluster = await RedisClusterSet.start(1);
    ({ system, operator } = await startLoadedSystem([...nodes, probe], {
      redisEnv: { REDIS_CLUSTER_NODES: cluster.addresses },
    }));
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
    expectUnavailable(probed.answers.slice(0, -1), ANSWER_BOUND_MS);
    await expectAllDoneOnce(system, operator, [...jobIds, probed.jobId], [...nodes, probe]);
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
