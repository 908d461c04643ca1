import { demoProject } from '@oshift/openstack-sim';
import { connectedSystem } from './connected-cluster';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Issue 20's quorum by settle time, on a cluster not connected to its Kubernetes API, with production default
 * timings (POLL_INTERVAL_MS 1000, JOB_LEASE_SECONDS 30, OPENSTACK_TIMEOUT_MS 10000: a POST without an answer may
 * still land for 30 s). A reboot counts as in flight until its node is back at rest, and the next master starts
 * only once the previous one has been back for the master settle time. The settle time is set to 10 s by policy
 * to keep the tests short (the default, 120 s, is shown by the dry run); Nova's own count says whether two masters
 * were ever down together.
 */
const PROJECT = demoProject().id;
const node = (name: string) => `${name}.openstacklocal`;
const DEFAULTS = { POLL_INTERVAL_MS: '1000' };
const SETTLE_MS = 10_000;

interface JobTimes {
  target: string;
  attempted: Date | null;
  released: Date | null;
  finished: Date | null;
}

describe('masters judged by settle time, in flight until back (not connected, production timings)', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 3000 },
      workers: 2,
      workerEnv: DEFAULTS,
      productionSettle: true,
    });
    operator = await system.user(['reboot']);
    await system.setRebootPolicy({ roles: { master: { settle_seconds: SETTLE_MS / 1000 } } });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  const times = async (jobId: string): Promise<JobTimes> => {
    const [row] = await system.dataSource.query(
      `SELECT target, reboot_attempted_at AS attempted, released_at AS released, finished_at AS finished
         FROM jobs WHERE id = $1`,
      [jobId],
    );
    return row as JobTimes;
  };
  const dryRun = async (target: string) => {
    const response = await system.request('POST', `/api/openshift/${system.clusterId}/reboot`, {
      user: operator,
      json: { target, dry_run: true },
    });
    return { status: response.status, body: (await response.json()) as { would: string; reason: string } };
  };
  const until = async (what: () => Promise<boolean>, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!(await what())) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  it('keeps the next master from starting while a failed reboot’s POST may still land, until that node is back and settled', async () => {
    const [first, second] = [node('master-0'), node('master-1')];
    // Nova applies master-0's POST 25 s after it arrived: the worker gives up waiting for the answer after 10 s.
    system.simulator.setKnobs({ actionDelayMs: 25_000, rebootDurationMs: 8000 }, first);
    const failing = await startReboot(system, operator, first);
    // Its deadline is near (as a short JOB_DEADLINE_SECONDS would make it): it passes while the POST is in doubt.
    await system.dataSource.query(`UPDATE jobs SET deadline_at = now() + interval '22 seconds' WHERE id = $1`, [
      failing,
    ]);
    await until(async () => (await times(failing)).attempted !== null, 30_000);
    const waiting = await startReboot(system, operator, second);

    const failed = await followJob(system, operator, failing, { timeoutMs: 60_000 });
    expect(failed.output.endsWith('Fail')).toBe(true);
    expect(failed.errors).toMatch(
      /^Deadline passed: a SOFT reboot of master-0\.openstacklocal was sent at .* but Nova never confirmed it/,
    );
    // Ended, yet in flight: Nova may still apply the POST.
    expect((await times(failing)).released).toBeNull();
    expect(await dryRun(second)).toEqual({
      status: 200,
      body: {
        would: 'refuse',
        reason: expect.stringMatching(/^a reboot of master-1\.openstacklocal is already running/),
        role: 'master',
      },
    });
    expect(await dryRun(node('master-2'))).toEqual({
      status: 200,
      body: { would: 'wait', reason: `${first} is rebooting`, role: 'master' },
    });

    // Nova applies the late POST; master-0 reboots, comes back, is released, settles; only then master-1 starts.
    const job = await followJob(system, operator, waiting, { timeoutMs: 120_000 });
    expect(job.output.split('\n')[0]).toBe(`Waiting: ${first} is rebooting`);
    expect(job.output.split('\n').slice(-2)).toEqual([`${second} ACTIVE`, 'Done']);
    const [late, next] = [await times(failing), await times(waiting)];
    expect(system.simulator.reboots(first).received).toEqual({ SOFT: 1, HARD: 0 });
    expect(system.simulator.projectStats(PROJECT).maxInReboot.master).toBe(1);
    // Released once the confirm window (30 s) had passed and Nova showed master-0 ACTIVE again (25 s + 8 s).
    expect(late.released!.getTime() - late.attempted!.getTime()).toBeGreaterThanOrEqual(33_000);
    expect(next.attempted!.getTime() - late.released!.getTime()).toBeGreaterThanOrEqual(SETTLE_MS);
    system.simulator.setKnobs({ actionDelayMs: 0, rebootDurationMs: 3000 }, first);
  }, 240_000);

  it('reboots three masters asked together one at a time, each after the previous one settled', async () => {
    // Whatever settled before this test: a master released recently holds the first one back too.
    const masters = ['master-0', 'master-1', 'master-2'].map(node);
    const jobIds = await Promise.all(masters.map((name) => startReboot(system, operator, name)));
    const jobs = await Promise.all(jobIds.map((id) => followJob(system, operator, id, { timeoutMs: 180_000 })));
    for (const [index, job] of jobs.entries()) {
      expect(job.errors).toBe('');
      expect(job.output.split('\n').slice(-2)).toEqual([`${masters[index]} ACTIVE`, 'Done']);
    }
    const order = (await Promise.all(jobIds.map(times))).sort(
      (a, b) => a.attempted!.getTime() - b.attempted!.getTime(),
    );
    for (let index = 1; index < order.length; index += 1) {
      // Each POST came after the previous master was back (released as it ended Done) for the settle time.
      expect(order[index - 1]!.released!.getTime()).toBe(order[index - 1]!.finished!.getTime());
      expect(order[index]!.attempted!.getTime() - order[index - 1]!.released!.getTime()).toBeGreaterThanOrEqual(
        SETTLE_MS,
      );
    }
    expect(system.simulator.projectStats(PROJECT).maxInReboot.master).toBe(1);
    // Two waited, saying why once: a master rebooting or settling, or one asked first.
    const waited = jobs.filter((job) => job.output.startsWith('Waiting: '));
    expect(waited).toHaveLength(2);

    // With the default settle time, the dry run says which master has not settled, and for how long still.
    await system.setRebootPolicy(null);
    const { body } = await dryRun(order[0]!.target);
    expect(body).toEqual({
      would: 'wait',
      reason: expect.stringMatching(
        /^master-\d\.openstacklocal is not settled yet \(back \d+ s of 120 s, \d+ s still\): etcd needs every other master \(1 more master not back\)$/,
      ),
      role: 'master',
    });
  }, 240_000);
});

describe('masters on a cluster connected to its Kubernetes API, Ready 8 s after ACTIVE (production timings)', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  const READY_DELAY_MS = 8000;

  beforeAll(async () => {
    system = await connectedSystem({
      knobs: { rebootDurationMs: 3000, nodeReadyDelayMs: READY_DELAY_MS },
      workers: 2,
      workerEnv: DEFAULTS,
      productionSettle: true,
    });
    operator = await system.user(['reboot']);
    await system.setRebootPolicy({ roles: { master: { settle_seconds: SETTLE_MS / 1000 } } });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('reboots three masters asked together so that the cluster never sees two masters not Ready', async () => {
    const masters = ['master-0', 'master-1', 'master-2'].map(node);
    const jobIds = await Promise.all(masters.map((name) => startReboot(system, operator, name)));
    const jobs = await Promise.all(jobIds.map((id) => followJob(system, operator, id, { timeoutMs: 200_000 })));
    for (const job of jobs) expect(job.output.endsWith('Done')).toBe(true);
    // The simulator's own count: the most masters not Ready at the same moment.
    expect(system.simulator.maxMastersNotReady(PROJECT)).toBe(1);
    const rows: { target: string; attempted: Date; finished: Date }[] = await system.dataSource.query(
      `SELECT target, reboot_attempted_at AS attempted, finished_at AS finished FROM jobs
        WHERE id = ANY($1::text[]) ORDER BY reboot_attempted_at`,
      [jobIds],
    );
    for (let index = 1; index < rows.length; index += 1) {
      // The previous master settles 10 s from its Ready (8 s after ACTIVE), and from its job's end, whichever is later.
      expect(rows[index]!.attempted.getTime() - rows[index - 1]!.finished.getTime()).toBeGreaterThanOrEqual(SETTLE_MS);
    }
  }, 300_000);
});
