import { AppProcess, RedisProcess, RedisSentinelSet, testServices } from '@oshift/testing';
import {
  expectAllDoneOnce,
  expectUnavailable,
  firstLineAt,
  rebootAll,
  rebootUntilAccepted,
  reportMeasured,
  ResumingFollower,
  startLoadedSystem,
  stopFollowers,
} from './failover-run';
import { followJob } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * The Sentinel settings docs/operators.md gives: a primary silent for 5 s is down, and a failover may take 10 s.
 * (Sentinel's own default, 30 s, is the most the service can then be without Redis.)
 */
const SENTINEL = { downAfterMs: 5000, failoverTimeoutMs: 10000 };
/** The promise: a new reboot accepted, and its first line written, within 15 s of the primary's death. */
const FAILOVER_BOUND_MS = 15000;
/** Any one answer meanwhile (REDIS_PARTITION_BOUND_MS of dependency-failures: the producer's 3 s and slack). */
const ANSWER_BOUND_MS = 7000;

describe('one Redis restarted under 20 reboots in flight', () => {
  const nodes = Array.from({ length: 20 }, (_, i) => `app-${String(i).padStart(2, '0')}.openstacklocal`);
  const probe = 'probe-0.openstacklocal';
  let redis: RedisProcess;
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    redis = await RedisProcess.persistent();
    await redis.start();
    ({ system, operator } = await startLoadedSystem([...nodes, probe], {
      redisEnv: { REDIS_URL: `redis://127.0.0.1:${redis.port}` },
    }));
  }, 120000);

  afterAll(async () => {
    stopFollowers();
    await system?.stop();
    await redis?.remove();
  });

  it('loses no job and reboots no server twice; reboots are accepted again as soon as it is back', async () => {
    const jobIds = await rebootAll(system, operator, nodes);
    await followJob(system, operator, jobIds[0], { until: (output) => output.includes('REBOOT') });
    const stoppedAt = Date.now();
    await redis.restart();
    const probed = await rebootUntilAccepted(system, operator, probe);
    expectUnavailable(probed.answers.slice(0, -1), ANSWER_BOUND_MS);
    await expectAllDoneOnce(system, operator, [...jobIds, probed.jobId], [...nodes, probe]);
    reportMeasured('Redis restart (SIGTERM and start, append-only file, 20 reboots in flight)', {
      acceptedAfterS: Number(((probed.acceptedAt - stoppedAt) / 1000).toFixed(1)),
      jobsLost: 0,
      duplicateReboots: 0,
    });
  }, 240000);
});

describe('Redis through Sentinel: the primary is SIGKILLed under 50 reboots in flight', () => {
  const nodes = Array.from({ length: 50 }, (_, i) => `app-${String(i).padStart(2, '0')}.openstacklocal`);
  const probe = 'probe-0.openstacklocal';
  let redis: RedisSentinelSet;
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    redis = await RedisSentinelSet.start(SENTINEL);
    ({ system, operator } = await startLoadedSystem([...nodes, probe], {
      redisEnv: { REDIS_SENTINELS: redis.addresses, REDIS_SENTINEL_NAME: redis.name },
    }));
  }, 120000);

  afterAll(async () => {
    stopFollowers();
    await system?.stop();
    await redis?.stop();
  });

  it('loses no job and reboots no server twice; new reboots are accepted and run within 15 s', async () => {
    const jobIds = await rebootAll(system, operator, nodes);
    const follower = new ResumingFollower(
      `${system.baseUrl}/api/openshift/${system.clusterId}/job/${jobIds[0]}`,
      operator,
    );
    await followJob(system, operator, jobIds[0], { until: (output) => output.includes('REBOOT') });
    const oldPrimary = await redis.primary();

    const diedAt = Date.now();
    await oldPrimary.kill('SIGKILL');
    const probed = await rebootUntilAccepted(system, operator, probe);
    const lineAt = await firstLineAt(system, operator, probed.jobId);
    const figures = {
      acceptedAfterS: Number(((probed.acceptedAt - diedAt) / 1000).toFixed(1)),
      firstLineAfterS: Number(((lineAt - diedAt) / 1000).toFixed(1)),
      refusedMeanwhile: probed.answers.length - 1,
      slowestAnswerMs: Math.max(...probed.answers.map((answer) => answer.ms)),
    };

    // Until then, every answer was a prompt JSON 503 with Retry-After.
    expectUnavailable(probed.answers.slice(0, -1), ANSWER_BOUND_MS);
    expect(await redis.primaryPort()).not.toBe(oldPrimary.port);

    // Every job ends Done, and Nova saw one reboot of each server.
    const outputs = await expectAllDoneOnce(system, operator, [...jobIds, probed.jobId], [...nodes, probe]);

    // The follower of a job in flight saw every line, in order, to the end, whether it had to come back or not.
    await follower.done;
    expect(follower.lines.map((line) => line.id)).toEqual(follower.lines.map((_, index) => index + 1));
    expect(follower.lines.map((line) => line.text).join('\n')).toBe(outputs[0]);
    expect(JSON.parse(follower.end as string)).toEqual({ state: 'done', errors: '' });

    // The admin CLI reaches the new primary through the Sentinels too, and the gateway's subscription moved there:
    // a password changed with the CLI is refused by the gateway at once, not after its credential cache's TTL.
    const viewer = await system.user(['read']);
    const nodestatus = () =>
      system.request('GET', `/api/openshift/${system.clusterId}/nodestatus`, { user: viewer }).then((r) => r.status);
    expect(await nodestatus()).toBe(200);
    const cli = await AppProcess.run('apps/admin/src/main.ts', ['user', 'passwd', viewer.username], {
      env: {
        DATABASE_URL: testServices().databaseUrl,
        ADMIN_ACTOR: 'e2e:sentinel',
        REDIS_SENTINELS: redis.addresses,
        REDIS_SENTINEL_NAME: redis.name,
        REDIS_PREFIX: system.redisPrefix,
      },
      input: 'new-password-after-failover\n',
    });
    expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: '' });
    const refusedBy = Date.now() + 1000;
    let status = await nodestatus();
    while (status !== 401 && Date.now() < refusedBy) status = await nodestatus();
    expect(status).toBe(401);

    reportMeasured('Redis Sentinel failover (SIGKILL of the primary, 50 reboots in flight)', {
      ...figures,
      followerReconnects: follower.reconnects,
      jobsLost: 0,
      duplicateReboots: 0,
      sentinel: SENTINEL,
    });
    expect(figures.acceptedAfterS * 1000).toBeLessThan(FAILOVER_BOUND_MS);
    expect(figures.firstLineAfterS * 1000).toBeLessThan(FAILOVER_BOUND_MS);
  }, 240000);
});
