import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { JobCancels } from './job-cancels';
import { newJobId } from './job-id';
import type { JobLease } from './job-leases';
import { jobEntities } from './job.entities';
import { RollingJobs } from './rolling-jobs';

describe('RollingJobs against Postgres', () => {
  let dataSource: DataSource;
  let rolling: RollingJobs;
  let cancels: JobCancels;
  let clusterId: string;
  const owner = 'worker-1';

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, jobEntities));
    await dataSource.initialize();
    rolling = new RollingJobs(dataSource);
    cancels = new JobCancels(dataSource);
    clusterId = `${uniqueName('rolling')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A running rolling reboot of workers, held by `owner`'s lease. */
  async function rollingJob(): Promise<{ lease: JobLease; parent: Parameters<RollingJobs['startStep']>[1] }> {
    const id = newJobId();
    await dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, kind, rolling_role, lease_owner, lease_until,
                         deadline_at)
       VALUES ($1, $2, $3, 'running', 'alice', 'rolling', 'worker', $4, now() + interval '1 minute',
               now() + interval '1 hour')`,
      [id, clusterId, `rolling:${uniqueName('role')}`, owner],
    );
    return {
      lease: { jobId: id, owner, ttlMs: 60000 },
      parent: { id, clusterId, requestedBy: 'alice', requestId: 'req-1', rebootType: 'SOFT' },
    };
  }
  const stepsOf = async (parentId: string) =>
    (await dataSource.query(`SELECT target FROM jobs WHERE parent_id = $1`, [parentId])).map(
      (row: { target: string }) => row.target,
    );
  const deadline = () => new Date(Date.now() + 60000);

  it('starts no step once the rolling reboot is cancelled, even when the cancel lands after the worker read it', async () => {
    const { lease, parent } = await rollingJob();
    // The worker read the job before the cancel committed; the cancel then commits before the step starts.
    const cancelled = await cancels.cancel(clusterId, parent.id, 'bob', { actor: 'bob', source: null, detail: {} });
    expect(cancelled).toMatchObject({ cancelled: true });
    const target = uniqueName('worker');
    expect(await rolling.startStep(lease, parent, { id: newJobId(), target, deadlineAt: deadline() })).toEqual({
      cancelled: 'bob',
    });
    expect(await stepsOf(parent.id)).toEqual([]);
  });

  it('lets a cancel that comes after a step started see it and end it', async () => {
    const { lease, parent } = await rollingJob();
    const target = uniqueName('worker');
    const started = await rolling.startStep(lease, parent, { id: newJobId(), target, deadlineAt: deadline() });
    expect(started).toEqual({ id: expect.any(String) });
    await cancels.cancel(clusterId, parent.id, 'bob', { actor: 'bob', source: null, detail: {} });
    const [step] = await dataSource.query(`SELECT state, errors FROM jobs WHERE parent_id = $1`, [parent.id]);
    expect(step).toEqual({ state: 'failed', errors: 'Cancelled by bob' });
  });

  it('fixes the plan once, and skips a node once with one Skipped line', async () => {
    const { lease, parent } = await rollingJob();
    expect(await rolling.fixPlan(lease, ['worker-0', 'worker-1'])).toEqual(['worker-0', 'worker-1']);
    expect(await rolling.fixPlan(lease, ['worker-1'])).toEqual(['worker-0', 'worker-1']);
    expect(await rolling.skip(lease, 'worker-0')).toMatchObject({
      n: 1,
      text: 'Skipped: worker-0 is no longer in the cluster',
    });
    expect(await rolling.skip(lease, 'worker-0')).toBeNull();
    expect(await rolling.fixPlan({ ...lease, owner: 'someone-else' }, ['x'])).toBeNull();
    const [row] = await dataSource.query(
      `SELECT rolling_plan, rolling_skipped, (SELECT count(*)::int FROM job_lines WHERE job_id = jobs.id) AS lines
         FROM jobs WHERE id = $1`,
      [parent.id],
    );
    expect(row).toEqual({ rolling_plan: ['worker-0', 'worker-1'], rolling_skipped: ['worker-0'], lines: 1 });
  });
});
