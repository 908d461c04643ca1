import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { jobEntities } from './job.entities';
import { type JobLease, JobLeases } from './job-leases';
import { JobRequests } from './job-requests';
import { acceptedTestJob } from './queued-job.fixture';
import { JobViews } from './job-views.repository';
import { RebootAlreadyRunningError } from './job.errors';

describe('JobRequests, JobLeases and JobViews against Postgres', () => {
  let dataSource: DataSource;
  let requests: JobRequests;
  let jobs: JobLeases;
  let views: JobViews;
  let clusterId: string;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, jobEntities));
    await dataSource.initialize();
    requests = new JobRequests(dataSource);
    jobs = new JobLeases(dataSource);
    views = new JobViews(dataSource);
    clusterId = `${uniqueName('jobs')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  async function queuedJob(target = uniqueName('node')): Promise<string> {
    const id = await acceptedTestJob(requests, clusterId, target);
    return id;
  }

  /** What the reference's `GET job/{id}` shows of a job, or null when the cluster has none. */
  const detailOutput = async (cluster: string, id: string) => {
    const detail = await views.detail(cluster, id);
    return detail && { output: detail.output, errors: detail.errors };
  };

  const lease = (jobId: string, owner: string, ttlMs = 60000): JobLease => ({ jobId, owner, ttlMs });

  it('refuses a second active job for the same node, naming the first', async () => {
    const first = await queuedJob('same-node');
    await expect(queuedJob('same-node')).rejects.toEqual(new RebootAlreadyRunningError(first, clusterId));
  });

  it('lets one handler hold a job: a second claim fails until the lease lapses or is released', async () => {
    const id = await queuedJob();
    expect((await jobs.claim(lease(id, 'worker-a')))?.attempts).toBe(1);
    expect(await jobs.claim(lease(id, 'worker-b'))).toBeNull();
    expect((await jobs.claim(lease(id, 'worker-a')))?.attempts).toBe(2); // the holder may take it back

    await jobs.release(lease(id, 'worker-a'));
    expect((await jobs.claim(lease(id, 'worker-b')))?.attempts).toBe(3);
    // worker-a lost it: its writes are refused and change nothing.
    expect(await jobs.appendLine(lease(id, 'worker-a'), 'x REBOOT')).toBeNull();
    expect(await jobs.markRebootAttempted(lease(id, 'worker-a'), 'SOFT', '')).toBeNull();
    expect(await jobs.setServer(lease(id, 'worker-a'), 'srv')).toBe(false);
    expect(await jobs.finish(lease(id, 'worker-a'), 'done')).toBeNull();
    expect(await detailOutput(clusterId, id)).toEqual({ output: '', errors: '' });
  });

  it('takes a job back from a handler whose lease lapsed', async () => {
    const id = await queuedJob();
    expect(await jobs.claim(lease(id, 'dead-worker', 1))).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await jobs.claim(lease(id, 'live-worker'))).not.toBeNull();
  });

  it('keeps the trace of the handling that claimed the job last, and none when it was not traced', async () => {
    const id = await queuedJob();
    expect((await jobs.claim(lease(id, 'worker-a')))?.traceContext).toBeNull();
    const first = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect((await jobs.claim({ ...lease(id, 'worker-a'), traceContext: first }))?.traceContext).toBe(first);
    // A handling without tracing (tracing turned off meanwhile) leaves the last trace as it was.
    expect((await jobs.claim(lease(id, 'worker-a')))?.traceContext).toBe(first);
    const second = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await jobs.claim({ ...lease(id, 'worker-a'), traceContext: second });
    expect((await jobs.find(id))?.traceContext).toBe(second);
  });

  it('appends lines in order, ends once, and writes nothing after the end', async () => {
    const id = await queuedJob();
    const held = lease(id, 'worker-a');
    await jobs.claim(held);
    expect(await jobs.markRebootSent(held, 'SOFT')).toBeInstanceOf(Date);
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await jobs.appendLine(held, 'n REBOOT')).toEqual({ n: 1, time, text: 'n REBOOT' });
    expect(await jobs.appendLine(held, 'n ACTIVE')).toEqual({ n: 2, time, text: 'n ACTIVE' });
    expect(await jobs.finish(held, 'done')).toEqual({ n: 3, time, text: 'Done' });
    expect(await jobs.finish(held, 'failed', 'late')).toBeNull();
    expect(await jobs.appendLine(held, 'n REBOOT')).toBeNull();
    expect(await detailOutput(clusterId, id)).toEqual({ output: 'n REBOOT\nn ACTIVE\nDone', errors: '' });
    expect(await detailOutput('another-cluster.example.test', id)).toBeNull();
  });

  it('sends only under a live lease, renews it, lifts a doubt, and says until when another handler holds a job', async () => {
    const id = await queuedJob();
    const short = lease(id, 'worker-a', 1);
    await jobs.claim(short);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The lease lapsed: no reboot may be attempted, even though nobody took the job yet.
    expect(await jobs.markRebootAttempted(short, 'SOFT', '')).toBeNull();
    expect(await jobs.renew(short)).toBe(true);
    const held = lease(id, 'worker-a');
    expect(await jobs.renew(held)).toBe(true);
    expect((await jobs.heldUntil(id))!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    // Not admitted by its cluster's rules: never marked attempted.
    expect(await jobs.markRebootAttempted(held, 'HARD', '')).toBeNull();
    await dataSource.query(`UPDATE jobs SET admitted_at = now() WHERE id = $1`, [id]);
    expect(await jobs.markRebootAttempted(held, 'HARD', '')).toBeInstanceOf(Date);
    expect(await jobs.markRebootUnsent(held, 'SOFT')).toBe(true);
    const row = await jobs.find(id);
    expect([row?.rebootAttemptedAt, row?.rebootType]).toEqual([null, 'SOFT']);
    await jobs.recordRebootAttempt(held, {
      type: 'SOFT',
      at: new Date(),
      result: 'locked',
      message: 'Instance is locked',
    });
    const [audit] = await dataSource.query(
      `SELECT outcome, detail FROM audit_events WHERE action = 'job.reboot' AND detail->>'jobId' = $1`,
      [id],
    );
    expect(audit).toMatchObject({ outcome: 'failed', detail: { result: 'locked', type: 'SOFT' } });
  });

  it('records a reboot attempt at Postgres’ time, with what confirms it later: the actions before, the request id', async () => {
    const id = await queuedJob();
    const held = lease(id, 'worker-a');
    const claimed = await jobs.claim(held);
    const [{ now }] = await dataSource.query(`SELECT now() AS now`);
    // The row says how far Postgres' clock is from this process's (the same machine here: within a second).
    expect(Math.abs(claimed!.clockOffsetMs!)).toBeLessThan(1000);
    await dataSource.query(`UPDATE jobs SET admitted_at = now() WHERE id = $1`, [id]);
    const at = await jobs.markRebootAttempted(held, 'SOFT', 'req-before');
    await jobs.recordRebootAttempt(held, { type: 'SOFT', at: at!, result: 'gatewayError', novaRequestId: 'req-post' });
    const sent = await jobs.markRebootSent(held, 'SOFT');
    const [row] = await dataSource.query(
      `SELECT reboot_attempted_at, reboot_sent_at, reboot_actions_before, reboot_request_id FROM jobs WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({
      reboot_attempted_at: at,
      reboot_sent_at: sent,
      reboot_actions_before: 'req-before',
      reboot_request_id: 'req-post',
    });
    expect(at!.getTime()).toBeGreaterThanOrEqual(new Date(now).getTime());
  });

  it('pages through orphans oldest deadline first', async () => {
    const ids = [await queuedJob(), await queuedJob(), await queuedJob()];
    // Deadlines a minute apart in the order the jobs were made (two made within one millisecond would tie, and the
    // page would then order them by their random ids), in milliseconds as every deadline is written: the cursor is
    // the last row's deadline as this process holds it.
    await dataSource.query(
      `UPDATE jobs SET created_at = now() - interval '1 hour',
              deadline_at = date_trunc('milliseconds', now() + array_position($1::text[], id) * interval '1 minute')
        WHERE id = ANY($1)`,
      [ids],
    );
    const seen: string[] = [];
    let after;
    for (;;) {
      const page = await jobs.findActiveOlderThan(60_000, 2, after);
      seen.push(...page.map((job) => job.id));
      if (page.length < 2) break;
      after = page[page.length - 1];
    }
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
