import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { JobAdmissions } from './job-admissions';
import { jobEntities } from './job.entities';
import { type JobLease, JobLeases } from './job-leases';
import { JobRequests } from './job-requests';
import { acceptedTestJob } from './queued-job.fixture';
import { decideAdmission } from './reboot-admission';

/**
 * The cluster's rules asked once more just before a first reboot POST (`JobAdmissions.recheckBeforeSend`), against
 * Postgres: an admission that went stale while the job waited to send is withdrawn, and a start marks the attempt
 * in the same transaction.
 */
describe('JobAdmissions.recheckBeforeSend against Postgres', () => {
  let dataSource: DataSource;
  let requests: JobRequests;
  let jobs: JobLeases;
  let admissions: JobAdmissions;
  let clusterId: string;
  const masters = ['master-0', 'master-1', 'master-2'].map((nodename, i) => ({
    nodename,
    status: 'ACTIVE',
    serverId: `srv-${i}`,
    taskState: null,
  }));

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, jobEntities));
    await dataSource.initialize();
    requests = new JobRequests(dataSource);
    jobs = new JobLeases(dataSource);
    admissions = new JobAdmissions(dataSource);
    clusterId = `${uniqueName('recheck')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A job of the node, claimed under a lease, and admitted `admittedAgoMs` ago. */
  async function admittedJob(target: string, admittedAgoMs: number): Promise<JobLease> {
    const id = await acceptedTestJob(requests, clusterId, target);
    const lease = { jobId: id, owner: `worker-${target}`, ttlMs: 60000 };
    await jobs.claim(lease);
    await dataSource.query(`UPDATE jobs SET admitted_at = now() - make_interval(secs => $2) WHERE id = $1`, [
      id,
      admittedAgoMs / 1000,
    ]);
    return lease;
  }

  const rules = (target: string) => (policy: Parameters<typeof decideAdmission>[0]['policy'], inFlight: string[]) =>
    decideAdmission({ target, policy, inFlight, nodes: masters });
  const row = async (id: string) =>
    (
      await dataSource.query(
        `SELECT admitted_at IS NOT NULL AS admitted, reboot_attempted_at IS NOT NULL AS attempted,
                reboot_actions_before FROM jobs WHERE id = $1`,
        [id],
      )
    )[0];

  it('lets the earlier of two admitted masters send and withdraws the later one: never two masters down', async () => {
    // Both were admitted (a stale admission: the policy or the nodes changed since), neither sent yet.
    const first = await admittedJob('master-0', 5000);
    const second = await admittedJob('master-1', 1000);
    const send = { type: 'SOFT' as const, actionsBefore: '' };

    const later = await admissions.recheckBeforeSend(second, clusterId, rules('master-1'), send);
    expect(later).toEqual({
      admission: { would: 'wait', reason: 'master-0 is rebooting' },
      attemptedAt: null,
    });
    expect(await row(second.jobId)).toEqual({ admitted: false, attempted: false, reboot_actions_before: null });
    const [audit] = await dataSource.query(
      `SELECT outcome, detail FROM audit_events WHERE action = 'job.admission' AND detail->>'jobId' = $1`,
      [second.jobId],
    );
    expect(audit).toMatchObject({ outcome: 'waiting', detail: { withdrawn: true, inFlight: ['master-0'] } });

    const earlier = await admissions.recheckBeforeSend(first, clusterId, rules('master-0'), {
      type: 'SOFT',
      actionsBefore: 'req-old',
    });
    expect(earlier?.admission.would).toBe('start');
    expect(earlier?.attemptedAt).toBeInstanceOf(Date);
    expect(await row(first.jobId)).toEqual({ admitted: true, attempted: true, reboot_actions_before: 'req-old' });

    // The withdrawn one is no longer admitted: neither a recheck nor a plain mark may attempt it.
    expect(await admissions.recheckBeforeSend(second, clusterId, rules('master-1'), send)).toBeNull();
    expect(await jobs.markRebootAttempted(second, 'SOFT', '')).toBeNull();
  });

  it('answers null and changes nothing once the lease is another worker’s', async () => {
    const mine = await admittedJob('master-2', 1000);
    const stolen = { ...mine, owner: 'another-worker' };
    expect(await jobs.claim(stolen)).toBeNull(); // the lease is still mine…
    await jobs.release(mine);
    expect(await jobs.claim(stolen)).not.toBeNull(); // …until released and taken
    const send = { type: 'SOFT' as const, actionsBefore: '' };
    expect(await admissions.recheckBeforeSend(mine, clusterId, rules('master-2'), send)).toBeNull();
    expect(await row(mine.jobId)).toEqual({ admitted: true, attempted: false, reboot_actions_before: null });
  });
});
