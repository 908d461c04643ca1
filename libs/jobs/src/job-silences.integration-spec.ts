import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { newJobId } from './job-id';
import { JobSilences } from './job-silences';
import { jobEntities } from './job.entities';

describe('JobSilences against Postgres', () => {
  let dataSource: DataSource;
  let silences: JobSilences;
  let clusterId: string;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, jobEntities));
    await dataSource.initialize();
    silences = new JobSilences(dataSource);
    clusterId = `${uniqueName('silence')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A running job held by `owner`'s lease. */
  async function runningJob(owner: string): Promise<{ id: string; target: string }> {
    const job = { id: newJobId(), target: uniqueName('node') };
    await dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, lease_owner, lease_until)
       VALUES ($1, $2, $3, 'running', 'alice', $4, now() + interval '1 minute')`,
      [job.id, clusterId, job.target, owner],
    );
    return job;
  }

  const end = (id: string, state: 'done' | 'failed') =>
    dataSource.query(`UPDATE jobs SET state = $2, finished_at = now() WHERE id = $1`, [id, state]);

  const audit = (id: string) =>
    dataSource.query(
      `SELECT actor, action, target, outcome, detail FROM audit_events WHERE detail->>'jobId' = $1 ORDER BY id`,
      [id],
    );

  it('keeps the silence under the lease, owes its expiry once the job ended, and notes it once', async () => {
    const job = await runningJob('w1');
    const lease = { jobId: job.id, owner: 'w1', ttlMs: 30000 };
    expect(await silences.record({ ...lease, owner: 'w2' }, 'sil-0', { silenceId: 'sil-0' })).toBe(false);
    expect(await silences.record(lease, 'sil-1', { silenceId: 'sil-1' })).toBe(true);
    // Still running: nothing to expire yet.
    expect(await silences.owedBy(job.id)).toBeNull();
    await end(job.id, 'failed');
    const owed = { jobId: job.id, silenceId: 'sil-1' };
    expect(await silences.owedBy(job.id)).toEqual(owed);
    expect(await silences.owedSilences(1000)).toContainEqual(owed);
    expect(await silences.markExpired(owed)).toBe(true);
    expect(await silences.markExpired(owed)).toBe(false); // another worker got there first
    expect(await silences.owedBy(job.id)).toBeNull();
    expect(await silences.owedSilences(1000)).not.toContainEqual(owed);
    expect(await audit(job.id)).toEqual([
      {
        actor: 'worker',
        action: 'job.silence',
        target: job.target,
        outcome: 'accepted',
        detail: { jobId: job.id, silenceId: 'sil-1' },
      },
      {
        actor: 'worker',
        action: 'job.silence',
        target: job.target,
        outcome: 'ok',
        detail: { jobId: job.id, silenceId: 'sil-1', expired: true },
      },
    ]);
  });

  it('records a failure to silence with its reason, and owes no expiry for it', async () => {
    const job = await runningJob('w1');
    const reason = 'Alertmanager unreachable (ECONNREFUSED)';
    expect(await silences.record({ jobId: job.id, owner: 'w1', ttlMs: 30000 }, '', { reason })).toBe(true);
    await end(job.id, 'done');
    expect(await silences.owedBy(job.id)).toBeNull();
    expect(await audit(job.id)).toEqual([
      {
        actor: 'worker',
        action: 'job.silence',
        target: job.target,
        outcome: 'failed',
        detail: { jobId: job.id, reason },
      },
    ]);
  });
});
