import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { jobEntities } from './job.entities';
import { JobLeases } from './job-leases';
import { JobRequests } from './job-requests';
import { acceptedTestJob } from './queued-job.fixture';

describe('JobLeases.noteNode against Postgres: where a reboot stands in the cluster API survives its worker', () => {
  let dataSource: DataSource;
  let requests: JobRequests;
  let jobs: JobLeases;
  let clusterId: string;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 2 }, jobEntities));
    await dataSource.initialize();
    requests = new JobRequests(dataSource);
    jobs = new JobLeases(dataSource);
    clusterId = `${uniqueName('drain')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('keeps what a step leaves out, stamps the drain start once, and writes nothing without the lease', async () => {
    const id = await acceptedTestJob(requests, clusterId, 'worker-0');
    const lease = { jobId: id, owner: 'worker-a', ttlMs: 60000 };
    const fresh = await jobs.claim(lease);
    expect(fresh).toMatchObject({ kubeNode: null, nodePhase: null, cordonedByJob: null, drainStartedAt: null });

    const begun = { kubeNode: 'worker-0', bootIdBefore: 'boot-1', nodePhase: 'draining' as const, cordonedByJob: true };
    const first = await jobs.noteNode(lease, { ...begun, drainStarted: true });
    if (!first) throw new Error('lease lost');
    expect(first.drainStartedAt).toBeInstanceOf(Date);
    // A resumed drain keeps its first start (the timeout counts from there).
    expect(
      await jobs.noteNode(lease, { drainStarted: true, nodeLine: 'Draining: 2 pods to evict from worker-0' }),
    ).toEqual(first);
    expect(await jobs.noteNode(lease, { nodePhase: 'drained' })).toEqual(first);

    // Another worker resumes the job where it stood.
    await jobs.release(lease);
    const resumed = await jobs.claim({ ...lease, owner: 'worker-b' });
    expect(resumed).toMatchObject({
      ...begun,
      nodePhase: 'drained',
      drainStartedAt: first.drainStartedAt,
      nodeLine: 'Draining: 2 pods to evict from worker-0',
    });
    expect(await jobs.noteNode(lease, { nodePhase: 'ready' })).toBe(false);
    expect((await jobs.find(id))?.nodePhase).toBe('drained');
  });
});
