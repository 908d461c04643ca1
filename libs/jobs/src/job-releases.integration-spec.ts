import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { ClusterRules } from './cluster-rules';
import { JobAdmissions } from './job-admissions';
import { jobEntities } from './job.entities';
import { type JobLease, JobLeases } from './job-leases';
import { JobRequests } from './job-requests';
import { acceptedTestJob } from './queued-job.fixture';
import { decideAdmission, decideInTurn } from './reboot-admission';
import type { RebootPolicy } from './reboot-policy';
import { WatchedJobs } from './watched-jobs';

/**
 * A reboot counts as in flight until its node is back (`released_at`), against Postgres: a `Done` job and one that
 * never sent anything are released as they end; one that ended while its POST might still land stays in flight
 * (for `max_parallel`, quorum and settle times) until its cluster's watcher releases it; the settle times count
 * from the release, by Postgres' clock.
 */
describe('released_at: in flight until the node is back, against Postgres', () => {
  let dataSource: DataSource;
  let requests: JobRequests;
  let jobs: JobLeases;
  let admissions: JobAdmissions;
  let rules: ClusterRules;
  let watched: WatchedJobs;
  let clusterId: string;
  const masters = ['master-0', 'master-1', 'master-2'].map((nodename) => ({ nodename, status: 'ACTIVE' }));

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, jobEntities));
    await dataSource.initialize();
    requests = new JobRequests(dataSource);
    jobs = new JobLeases(dataSource);
    admissions = new JobAdmissions(dataSource);
    rules = new ClusterRules(dataSource);
    watched = new WatchedJobs(dataSource);
  });

  beforeEach(async () => {
    clusterId = `${uniqueName('release')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A job of the node, claimed under a lease. */
  async function claimedJob(target: string): Promise<JobLease> {
    const id = await acceptedTestJob(requests, clusterId, target);
    const lease = { jobId: id, owner: `worker-${target}`, ttlMs: 60000 };
    await jobs.claim(lease);
    return lease;
  }

  /** A master's reboot admitted by the rules and attempted (its POST sent, Nova's answer not recorded). */
  async function attempted(target: string): Promise<JobLease> {
    const lease = await claimedJob(target);
    const admitted = await admissions.admit(lease, clusterId, masterRules(target));
    expect(admitted?.admission.would).toBe('start');
    expect(await jobs.markRebootAttempted(lease, 'SOFT', '')).toBeInstanceOf(Date);
    return lease;
  }

  const masterRules =
    (target: string) =>
    (policy: RebootPolicy, inFlight: string[], ahead: string[], releasedAgoMs: Record<string, number>) =>
      decideInTurn({ target, policy, inFlight, ahead, nodes: masters, releasedAgoMs });
  const released = async (id: string): Promise<boolean> =>
    (await dataSource.query(`SELECT released_at IS NOT NULL AS released FROM jobs WHERE id = $1`, [id]))[0].released;

  it('keeps a master that failed in doubt in flight, holding the next master back, until it is released', async () => {
    const first = await attempted('master-0');
    // The deadline passed while Nova never confirmed the POST: the job ends Fail, still in flight.
    expect(await jobs.finish(first, 'failed', 'Deadline passed: …')).not.toBeNull();
    expect(await released(first.jobId)).toBe(false);
    expect(await rules.inFlight(clusterId)).toEqual(['master-0']);
    expect(await watched.clusters()).toContainEqual({ id: clusterId, unreleased: true });
    const [unreleased] = await watched.unreleased(clusterId);
    expect(unreleased).toMatchObject({ id: first.jobId, target: 'master-0', inDoubt: true });
    expect(unreleased!.attemptedAgoMs).toBeGreaterThanOrEqual(0);
    expect(unreleased!.attemptedAgoMs).toBeLessThan(10_000);

    const next = await claimedJob('master-1');
    expect(await admissions.admit(next, clusterId, masterRules('master-1'))).toEqual({
      admission: { would: 'wait', reason: 'master-0 is rebooting' },
      newReason: true,
    });

    // Released (the watcher saw it back at rest): the next master now waits for master-0 to settle.
    expect(await watched.release([first.jobId])).toEqual([first.jobId]);
    expect(await watched.release([first.jobId])).toEqual([]);
    expect(await rules.inFlight(clusterId)).toEqual([]);
    expect(await watched.unreleased(clusterId)).toEqual([]);
    const ago = await rules.releasedAgo(clusterId);
    expect(Object.keys(ago)).toEqual(['master-0']);
    expect(ago['master-0']).toBeGreaterThanOrEqual(0);
    expect(ago['master-0']).toBeLessThan(10_000);
    const waiting = await admissions.admit(next, clusterId, masterRules('master-1'));
    expect(waiting?.admission).toEqual({
      would: 'wait',
      reason: expect.stringMatching(
        /^master-0 is not settled yet \(back \d+ s of 120 s, \d+ s still\): etcd needs every other master$/,
      ),
    });

    // Settled 120 s ago by Postgres' clock: the next master starts.
    await dataSource.query(`UPDATE jobs SET released_at = now() - interval '121 seconds' WHERE id = $1`, [first.jobId]);
    expect((await admissions.admit(next, clusterId, masterRules('master-1')))?.admission).toEqual({
      would: 'start',
      reason: 'every other master is ACTIVE and settled',
    });
  });

  it('releases a Done job as it ends, and one that never sent anything', async () => {
    const done = await attempted('master-0');
    await jobs.markRebootSent(done, 'SOFT');
    await jobs.finish(done, 'done');
    expect(await released(done.jobId)).toBe(true);
    const unsent = await claimedJob('master-1');
    await jobs.finish(unsent, 'failed', 'Node gone: no reboot was sent');
    expect(await released(unsent.jobId)).toBe(true);
    expect(await rules.inFlight(clusterId)).toEqual([]);
    expect(await watched.unreleased(clusterId)).toEqual([]);
    // Only the node that was rebooted settles: the one whose job never sent anything never went down.
    expect(Object.keys(await rules.releasedAgo(clusterId))).toEqual(['master-0']);
  });

  it('ends a watched job in one poll statement, released only when Done', async () => {
    const sent = await attempted('master-0');
    await jobs.markRebootSent(sent, 'SOFT');
    // The handler hands the sent reboot to the cluster's watcher.
    await jobs.release(sent);
    const held = await watched.hold(clusterId, 'watcher', 60_000);
    expect(held.map((job) => job.id)).toEqual([sent.jobId]);
    await watched.writePoll('watcher', 60_000, [
      { jobId: sent.jobId, lines: ['master-0 REBOOT'], end: { state: 'failed', errors: 'Deadline passed' } },
    ]);
    expect(await released(sent.jobId)).toBe(false);
    const shutoff = await attempted('infra-0');
    await jobs.markRebootSent(shutoff, 'SOFT');
    await jobs.release(shutoff);
    await watched.hold(clusterId, 'watcher', 60_000);
    // Its node is at rest (SHUTOFF) in this poll's listing: released as it ends.
    await watched.writePoll('watcher', 60_000, [
      {
        jobId: shutoff.jobId,
        lines: ['infra-0 SHUTOFF'],
        end: { state: 'failed', errors: 'went SHUTOFF', released: true },
      },
    ]);
    expect(await released(shutoff.jobId)).toBe(true);
    expect(await watched.unreleased(clusterId)).toEqual([expect.objectContaining({ id: sent.jobId, inDoubt: false })]);

    const other = await attempted('worker-0');
    await jobs.release(other);
    await watched.hold(clusterId, 'watcher', 60_000);
    await watched.writePoll('watcher', 60_000, [{ jobId: other.jobId, lines: ['worker-0 ACTIVE'] }]);
    expect(await released(other.jobId)).toBe(false);
    await watched.writePoll('watcher', 60_000, [{ jobId: other.jobId, lines: [], end: { state: 'done', errors: '' } }]);
    expect(await released(other.jobId)).toBe(true);
    expect((await rules.inFlight(clusterId)).sort()).toEqual(['master-0']);
  });

  it('makes the last check before a POST see an unreleased job of another master', async () => {
    const first = await attempted('master-0');
    await jobs.finish(first, 'failed', 'Deadline passed');
    // master-1 was admitted before (a stale admission): the recheck under the lock withdraws it.
    const second = await claimedJob('master-1');
    await dataSource.query(`UPDATE jobs SET admitted_at = now() WHERE id = $1`, [second.jobId]);
    const recheck = await admissions.recheckBeforeSend(
      second,
      clusterId,
      (policy, inFlight, releasedAgoMs) =>
        decideAdmission({ target: 'master-1', policy, inFlight, nodes: masters, releasedAgoMs }),
      { type: 'SOFT', actionsBefore: '' },
    );
    expect(recheck).toEqual({ admission: { would: 'wait', reason: 'master-0 is rebooting' }, attemptedAt: null });
  });
});
