import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { jobEntities } from './job.entities';
import { JobLeases } from './job-leases';
import { JobRequests } from './job-requests';
import { sentTestJob } from './queued-job.fixture';
import { WATCHER_OWNER_SUFFIX, WatchedJobs } from './watched-jobs';

/**
 * A cluster's watch moving to another worker, against Postgres: the new watcher takes the jobs over from the old
 * one at its first poll, not a job lease later, and the old one writes nothing more of them; a job a handler holds
 * (sending its reboot) stays the handler's.
 */
describe('a watch handed over between workers, against Postgres', () => {
  const JOB_LEASE_MS = 30_000;
  let dataSource: DataSource;
  let requests: JobRequests;
  let leases: JobLeases;
  let watched: WatchedJobs;
  let clusterId: string;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 2 }, jobEntities));
    await dataSource.initialize();
    [requests, leases, watched] = [new JobRequests(dataSource), new JobLeases(dataSource), new WatchedJobs(dataSource)];
    clusterId = `${uniqueName('handover')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const sentJob = (target: string) => sentTestJob(requests, dataSource, clusterId, target);

  const output = async (jobId: string): Promise<string[]> =>
    (await dataSource.query(`SELECT line FROM job_lines WHERE job_id = $1 ORDER BY seq`, [jobId])).map(
      (row: { line: string }) => row.line,
    );

  it('takes the jobs from the watcher that lost the watch at once; that one writes nothing more', async () => {
    const [old, successor] = [`old${WATCHER_OWNER_SUFFIX}`, `successor${WATCHER_OWNER_SUFFIX}`];
    const watchedJob = await sentJob('worker-0');
    expect((await watched.hold(clusterId, old, JOB_LEASE_MS)).map((job) => job.id)).toEqual([watchedJob]);
    await watched.writePoll(old, JOB_LEASE_MS, [
      { jobId: watchedJob, lines: ['worker-0 REBOOT'], status: 'worker-0 REBOOT' },
    ]);
    // A handler sending another node's reboot holds that job under its own (live) lease.
    const sending = await sentJob('worker-1');
    const handler = { jobId: sending, owner: 'handler-host:42:abcd', ttlMs: JOB_LEASE_MS };
    expect(await leases.claim(handler)).not.toBeNull();

    // The old watcher paused with its job leases still live for most of 30 s; the successor took the watch.
    const taken = await watched.hold(clusterId, successor, JOB_LEASE_MS);
    expect(taken.map((job) => job.id)).toEqual([watchedJob]);
    expect(taken[0].statusLine).toBe('worker-0 REBOOT');

    // The old watcher wakes up and writes the poll it was making: fenced out, nothing written, nothing ended.
    const late = await watched.writePoll(old, JOB_LEASE_MS, [
      { jobId: watchedJob, lines: ['worker-0 ACTIVE'], status: 'worker-0 ACTIVE', end: { state: 'done', errors: '' } },
    ]);
    expect(late).toEqual([]);
    const written = await watched.writePoll(successor, JOB_LEASE_MS, [
      { jobId: watchedJob, lines: ['worker-0 ACTIVE'], status: 'worker-0 ACTIVE', end: { state: 'done', errors: '' } },
    ]);
    expect(written.map((line) => line.text)).toEqual(['worker-0 ACTIVE', 'Done']);
    expect(await output(watchedJob)).toEqual(['worker-0 REBOOT', 'worker-0 ACTIVE', 'Done']);

    // The handler's job stays the handler's: its lease, and its right to record the send.
    const [row] = await dataSource.query(`SELECT lease_owner, lease_until > now() AS live FROM jobs WHERE id = $1`, [
      sending,
    ]);
    expect(row).toEqual({ lease_owner: handler.owner, live: true });
    expect(await leases.renew(handler)).toBe(true);
  });
});
