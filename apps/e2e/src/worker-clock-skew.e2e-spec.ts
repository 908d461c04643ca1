import { existsSync, readdirSync } from 'node:fs';
import type Redis from 'ioredis';
import { connectRedis } from '@oshift/redis';
import { testServices } from '@oshift/testing';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Two workers whose clocks disagree by a minute, one 30 s ahead and one 30 s behind (Debian's `faketime`), with
 * production default timings: job times are Postgres' and live watchers are scored by Redis' clock, and a reboot
 * in doubt is matched among Nova's instance actions by request, so nothing changes. Asserted at the simulator:
 * each job Done, each server rebooted once.
 */
/**
 * The environment that runs a process with its clock `offset` off (`+30s`, `-30s`): Debian's libfaketime preloaded
 * into Node itself (so signals reach the worker, not a wrapper); timers keep the real monotonic clock.
 */
function skewedClock(offset: string): Record<string, string> {
  const lib = readdirSync('/usr/lib')
    .map((dir) => `/usr/lib/${dir}/faketime/libfaketime.so.1`)
    .find((path) => existsSync(path));
  if (!lib) throw new Error("Debian's faketime is not installed (apt-get install faketime)");
  return { LD_PRELOAD: lib, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

describe('workers whose clocks are 30 s ahead and 30 s behind', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let redis: Redis;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ workers: 0 });
    // Production default timings (POLL_INTERVAL_MS 1000, JOB_LEASE_SECONDS 30, OPENSTACK_TIMEOUT_MS 10000).
    const defaults = { POLL_INTERVAL_MS: '1000' };
    const ahead = await system.startWorker({ ...defaults, ...skewedClock('+30s') });
    const behind = await system.startWorker({ ...defaults, ...skewedClock('-30s') });
    // Their clocks are off indeed, as their own log lines tell (ISO times).
    const skewOf = (logs: string) =>
      Date.parse(/"time":"([^"]+)"[^\n]*consuming reboot jobs/.exec(logs)![1]) - Date.now();
    expect(Math.abs(skewOf(ahead.logs) - 30_000)).toBeLessThan(10_000);
    expect(Math.abs(skewOf(behind.logs) + 30_000)).toBeLessThan(10_000);
    operator = await system.user(['reboot']);
    redis = connectRedis(testServices().redisUrl, 'commands');
  }, 120000);

  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  });

  /** Each server's reboots as the simulator counted them. */
  const rebootsOf = (nodes: string[]) =>
    nodes.map((node) => {
      const seen = system.simulator.server(node);
      return { node, received: seen.reboots.received, periods: seen.rebootPeriods };
    });
  const once = (nodes: string[]) => nodes.map((node) => ({ node, received: { SOFT: 1, HARD: 0 }, periods: 1 }));

  it('confirms reboots in doubt (a proxy’s 502 after Nova took them) without sending any twice', async () => {
    const nodes = [
      'worker-0.openstacklocal',
      'worker-1.openstacklocal',
      'worker-2.openstacklocal',
      'infra-0.openstacklocal',
    ];
    for (const node of nodes) {
      // Over before the watcher's first look: only the instance actions can tell the POST got through.
      system.simulator.setKnobs(
        { rebootDurationMs: 300, nextActionFaults: [{ status: 502, acted: true, body: 'empty' }] },
        node,
      );
    }
    const jobs = await Promise.all(nodes.map((node) => startReboot(system, operator, node)));
    const ends = await Promise.all(jobs.map((jobId) => followJob(system, operator, jobId)));
    expect(ends.map((job) => [job.output.split('\n').at(-1), job.errors])).toEqual(nodes.map(() => ['Done', '']));
    expect(rebootsOf(nodes)).toEqual(once(nodes));
  }, 120000);

  it('leaves no cluster unwatched when the worker watching it dies: the other ends every job', async () => {
    const nodes = ['infra-1.openstacklocal', 'master-0.openstacklocal'];
    for (const node of nodes) system.simulator.setKnobs({ rebootDurationMs: 8000 }, node);
    const jobs = await Promise.all(nodes.map((node) => startReboot(system, operator, node)));
    await Promise.all(
      jobs.map((jobId, i) =>
        followJob(system, operator, jobId, { until: (out) => out.includes(`${nodes[i]} REBOOT`) }),
      ),
    );
    const watcher = await redis.get(`${system.redisPrefix}:watch:{${system.clusterId}}`);
    const victim = system.workers.find((worker) => watcher?.split(':')[1] === String(worker.pid));
    expect(victim).toBeDefined();
    // Its watch stays in Redis until it lapses; the survivor, whatever its clock, takes it over then.
    await victim!.stop('SIGKILL');
    const ends = await Promise.all(jobs.map((jobId) => followJob(system, operator, jobId)));
    expect(ends.map((job) => [job.output.split('\n').at(-1), job.errors])).toEqual(nodes.map(() => ['Done', '']));
    expect(rebootsOf(nodes)).toEqual(once(nodes));
  }, 120000);
});
