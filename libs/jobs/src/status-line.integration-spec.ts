import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { jobEntities } from './job.entities';
import { JobRequests } from './job-requests';
import { sentTestJob } from './queued-job.fixture';
import { WatchedJobs } from './watched-jobs';

/**
 * The last status line a watcher wrote is kept with the job, by the statement that writes it, and comes back with
 * the job to whichever watcher holds it next: what the output cadence is judged from after a handover.
 */
describe('a job’s last status line, against Postgres', () => {
  let dataSource: DataSource;
  let requests: JobRequests;
  let watched: WatchedJobs;
  let clusterId: string;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 2 }, jobEntities));
    await dataSource.initialize();
    [requests, watched] = [new JobRequests(dataSource), new WatchedJobs(dataSource)];
    clusterId = `${uniqueName('status')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const lineTime = async (jobId: string, line: string): Promise<number> =>
    (
      await dataSource.query(`SELECT created_at FROM job_lines WHERE job_id = $1 AND line = $2 ORDER BY seq DESC`, [
        jobId,
        line,
      ])
    )[0].created_at.getTime();

  it('is written with its line only, kept through polls without one, and handed to the next watcher', async () => {
    const jobId = await sentTestJob(requests, dataSource, clusterId, 'worker-0');

    const [fresh] = await watched.hold(clusterId, 'first', 60_000);
    expect(fresh).toMatchObject({ id: jobId, statusLine: null, statusLineAt: null });
    await watched.writePoll('first', 60_000, [{ jobId, lines: ['worker-0 REBOOT'], status: 'worker-0 REBOOT' }]);
    const writtenAt = await lineTime(jobId, 'worker-0 REBOOT');
    // A poll that says nothing new, and one that writes only a note, leave it as it was.
    await watched.writePoll('first', 60_000, [{ jobId, lines: [] }]);
    await watched.writePoll('first', 60_000, [{ jobId, lines: ['Soft reboot did not finish in 1 s: escalating'] }]);
    // A watcher without the lease writes nothing, so keeps nothing either.
    await watched.writePoll('other', 60_000, [{ jobId, lines: ['worker-0 ACTIVE'], status: 'worker-0 ACTIVE' }]);

    await watched.letGo(clusterId, 'first');
    const [taken] = await watched.hold(clusterId, 'successor', 60_000);
    expect(taken.statusLine).toBe('worker-0 REBOOT');
    expect(taken.statusLineAt?.getTime()).toBe(writtenAt);
    const output = await dataSource.query(`SELECT line FROM job_lines WHERE job_id = $1 ORDER BY seq`, [jobId]);
    expect(output.map((row: { line: string }) => row.line)).toEqual([
      'worker-0 REBOOT',
      'Soft reboot did not finish in 1 s: escalating',
    ]);
  });
});
