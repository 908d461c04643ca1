import { migrate } from '@oshift/persistence';
import { PostgresPair, TcpProxy, uniqueName } from '@oshift/testing';
import {
  askReboot,
  expectAllDoneOnce,
  expectUnavailable,
  firstLineAt,
  rebootAll,
  rebootUntilAccepted,
  reportMeasured,
  ResumingFollower,
  startLoadedSystem,
  stopFollowers,
  type Answer,
} from './failover-run';
import { followJob } from './job-polling';
import type { SystemUnderTest, TestUser } from './system-under-test';

/** The promise: a new reboot accepted, and its first line written, within 15 s of the primary's death. */
const FAILOVER_BOUND_MS = 15000;
/**
 * Any one answer while no primary answers: refused connections fail at once, but a commit the primary took
 * and never confirmed waits for the gateway's statement timeout (5 s) and the client's (6 s).
 */
const ANSWER_BOUND_MS = 8000;
/** How long the test leaves the service with no primary at all before the standby takes over. */
const NO_PRIMARY_MS = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Postgres as a managed service runs it: a primary that commits synchronously to a streaming standby, behind a
 * stable address (here a TCP proxy; Patroni's or CloudNativePG's service in production) that the gateway, two
 * workers and the test all use. The primary restarts under load, then dies and the standby is promoted.
 */
describe('Postgres behind a stable address: restarted, then failed over, under reboots in flight', () => {
  const nodes = Array.from({ length: 40 }, (_, i) => `app-${String(i).padStart(2, '0')}.openstacklocal`);
  let pair: PostgresPair;
  let proxy: TcpProxy;
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    const database = uniqueName('oshift').replace('-', '_');
    pair = await PostgresPair.start(database);
    await migrate({ url: pair.primary.url(database) });
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: pair.primary.port });
    ({ system, operator } = await startLoadedSystem([...nodes, 'probe-0.openstacklocal', 'probe-1.openstacklocal'], {
      databaseUrl: `postgres://postgres@127.0.0.1:${proxy.port}/${database}`,
    }));
  }, 180000);

  afterAll(async () => {
    stopFollowers();
    await system?.stop();
    await proxy?.close();
    await pair?.stop();
  });

  it('restarted under 20 reboots in flight: every job ends Done, each server rebooted once', async () => {
    const batch = nodes.slice(0, 20);
    const jobIds = await rebootAll(system, operator, batch);
    await followJob(system, operator, jobIds[0], { until: (output) => output.includes('REBOOT') });
    const stoppedAt = Date.now();
    await pair.primary.restart();
    const probed = await rebootUntilAccepted(system, operator, 'probe-0.openstacklocal');
    expectUnavailable(probed.answers.slice(0, -1), ANSWER_BOUND_MS);
    await expectAllDoneOnce(system, operator, [...jobIds, probed.jobId], [...batch, 'probe-0.openstacklocal']);
    reportMeasured('Postgres restart (pg_ctl restart -m fast, 20 reboots in flight)', {
      acceptedAfterS: Number(((probed.acceptedAt - stoppedAt) / 1000).toFixed(1)),
      jobsLost: 0,
      duplicateReboots: 0,
    });
  }, 240000);

  it('failed over under 20 reboots in flight: no 202-ed job and no line a follower saw is lost', async () => {
    const batch = nodes.slice(20);
    const jobIds = await rebootAll(system, operator, batch);
    const follower = new ResumingFollower(
      `${system.baseUrl}/api/openshift/${system.clusterId}/job/${jobIds[0]}`,
      operator,
    );
    await followJob(system, operator, jobIds[0], { until: (output) => output.includes('REBOOT') });
    await sleep(1500);

    // The primary crashes; for a while no server is primary; then the standby is promoted and the address moves.
    const diedAt = Date.now();
    await pair.primary.stop('immediate');
    const seenBefore = follower.lines.map((line) => line.text);
    const meanwhile: Answer[] = [];
    while (Date.now() - diedAt < NO_PRIMARY_MS) {
      meanwhile.push(await askReboot(system, operator, 'probe-1.openstacklocal'));
      await sleep(250);
    }
    await pair.standby.promote();
    proxy.retarget({ host: '127.0.0.1', port: pair.standby.port });
    const switchedAt = Date.now();
    const probed = await rebootUntilAccepted(system, operator, 'probe-1.openstacklocal');
    const lineAt = await firstLineAt(system, operator, probed.jobId);
    expectUnavailable([...meanwhile, ...probed.answers.slice(0, -1)], ANSWER_BOUND_MS);

    // Every job the gateway accepted is on the new primary and ends Done; one reboot per server.
    const outputs = await expectAllDoneOnce(
      system,
      operator,
      [...jobIds, probed.jobId],
      [...batch, 'probe-1.openstacklocal'],
    );
    // The follower saw every line, in order; what it saw before the failover is still the job's output.
    await follower.done;
    expect(follower.lines.map((line) => line.text).slice(0, seenBefore.length)).toEqual(seenBefore);
    expect(outputs[0].split('\n').slice(0, seenBefore.length)).toEqual(seenBefore);
    expect(follower.lines.map((line) => line.id)).toEqual(follower.lines.map((_, index) => index + 1));
    expect(follower.lines.map((line) => line.text).join('\n')).toBe(outputs[0]);

    const figures = {
      acceptedAfterS: Number(((probed.acceptedAt - diedAt) / 1000).toFixed(1)),
      firstLineAfterS: Number(((lineAt - diedAt) / 1000).toFixed(1)),
      acceptedAfterSwitchS: Number(((probed.acceptedAt - switchedAt) / 1000).toFixed(1)),
      noPrimaryS: NO_PRIMARY_MS / 1000,
      refusedMeanwhile: meanwhile.length + probed.answers.length - 1,
      followerReconnects: follower.reconnects,
      linesSeenBeforeDeath: seenBefore.length,
      jobsLost: 0,
      duplicateReboots: 0,
    };
    reportMeasured('Postgres failover (primary crashed, standby promoted, 20 reboots in flight)', figures);
    expect(figures.acceptedAfterS * 1000).toBeLessThan(FAILOVER_BOUND_MS);
    expect(figures.firstLineAfterS * 1000).toBeLessThan(FAILOVER_BOUND_MS);
  }, 300000);
});
