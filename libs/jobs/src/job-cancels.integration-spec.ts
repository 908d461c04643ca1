import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { ALREADY_SENT, type Canceller, JobCancels } from './job-cancels';
import { newJobId } from './job-id';
import { jobEntities } from './job.entities';

describe('JobCancels against Postgres', () => {
  let dataSource: DataSource;
  let cancels: JobCancels;
  let clusterId: string;
  const by: Canceller = { actor: 'bob', source: '192.0.2.9', detail: { method: 'basic', requestId: 'req-9' } };

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, jobEntities));
    await dataSource.initialize();
    cancels = new JobCancels(dataSource);
    clusterId = `${uniqueName('cancel')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A job row as the worker leaves it at some point of its life, with the lines it wrote. */
  async function job(columns: Record<string, unknown>, lines: string[] = []): Promise<string> {
    const values: Record<string, unknown> = {
      id: newJobId(),
      cluster_id: clusterId,
      target: uniqueName('node'),
      state: 'queued',
      requested_by: 'alice',
      ...columns,
    };
    const names = Object.keys(values);
    await dataSource.query(
      `INSERT INTO jobs (${names.join(', ')}) VALUES (${names.map((_, index) => `$${index + 1}`).join(', ')})`,
      names.map((name) => values[name]),
    );
    for (const [index, line] of lines.entries()) {
      await dataSource.query(`INSERT INTO job_lines (job_id, seq, line) VALUES ($1, $2, $3)`, [
        values.id,
        index + 1,
        line,
      ]);
    }
    return values.id as string;
  }

  const row = async (id: string) =>
    (
      await dataSource.query(
        `SELECT state, errors, cancelled_by, finished_at IS NOT NULL AS finished, lease_until,
                (SELECT array_agg(line ORDER BY seq) FROM job_lines WHERE job_id = jobs.id) AS lines
           FROM jobs WHERE id = $1`,
        [id],
      )
    )[0];
  const audit = (id: string) =>
    dataSource.query(
      `SELECT actor, source, action, target, outcome, detail FROM audit_events WHERE detail->>'jobId' = $1 ORDER BY id`,
      [id],
    );

  it('ends a waiting reboot at once: Fail, errors, cancelled_by, its job.end and job.cancel records', async () => {
    const id = await job(
      {
        state: 'running',
        waiting_reason: 'master-1 is rebooting',
        lease_owner: 'watcher-1',
        lease_until: new Date(Date.now() + 60000),
      },
      ['Waiting: master-1 is rebooting'],
    );
    const outcome = await cancels.cancel(clusterId, id, 'bob', by);
    expect(outcome).toMatchObject({
      cancelled: true,
      kind: 'reboot',
      ended: [{ jobId: id, errors: 'Cancelled by bob' }],
    });
    expect(outcome?.cancelled && outcome.ended[0]?.line).toMatchObject({ n: 2, text: 'Fail' });
    expect(await row(id)).toEqual({
      state: 'failed',
      errors: 'Cancelled by bob',
      cancelled_by: 'bob',
      finished: true,
      lease_until: null,
      lines: ['Waiting: master-1 is rebooting', 'Fail'],
    });
    const [target] = (await dataSource.query(`SELECT target FROM jobs WHERE id = $1`, [id])) as { target: string }[];
    expect(await audit(id)).toEqual([
      {
        actor: 'bob',
        source: '192.0.2.9',
        action: 'job.end',
        target: target!.target,
        outcome: 'failed',
        detail: { jobId: id, requestedBy: 'alice', errors: 'Cancelled by bob' },
      },
      {
        actor: 'bob',
        source: '192.0.2.9',
        action: 'job.cancel',
        target: target!.target,
        outcome: 'cancelled',
        detail: { method: 'basic', requestId: 'req-9', jobId: id, kind: 'reboot' },
      },
    ]);
  });

  it('ends a queued reboot no worker has taken yet', async () => {
    const id = await job({});
    expect(await cancels.cancel(clusterId, id, 'bob', by)).toMatchObject({ cancelled: true });
    expect(await row(id)).toMatchObject({ state: 'failed', lines: ['Fail'] });
  });

  it('refuses a reboot the rules let start or whose reboot was attempted, and an ended job, changing nothing', async () => {
    const admitted = await job({ state: 'running', admitted_at: new Date() });
    const attempted = await job({ state: 'running', reboot_attempted_at: new Date() });
    const done = await job({ state: 'done', finished_at: new Date() }, ['Done']);
    expect(await cancels.cancel(clusterId, admitted, 'bob', by)).toMatchObject({
      cancelled: false,
      reason: ALREADY_SENT,
    });
    expect(await cancels.cancel(clusterId, attempted, 'bob', by)).toMatchObject({
      cancelled: false,
      reason: ALREADY_SENT,
    });
    expect(await cancels.cancel(clusterId, done, 'bob', by)).toMatchObject({
      cancelled: false,
      reason: 'the job has already ended (done)',
    });
    for (const id of [admitted, attempted]) {
      expect(await row(id)).toMatchObject({ state: 'running', cancelled_by: null, lines: null });
    }
    expect(await row(done)).toMatchObject({ state: 'done', lines: ['Done'] });
    expect(await audit(admitted)).toEqual([]);
  });

  it('finds no job of another cluster, or no job at all', async () => {
    const id = await job({});
    expect(await cancels.cancel('elsewhere.example.test', id, 'bob', by)).toBeNull();
    expect(await cancels.cancel(clusterId, newJobId(), 'bob', by)).toBeNull();
    expect(await row(id)).toMatchObject({ state: 'queued' });
  });

  it('calls off a rolling reboot: cancelled_by on it, its waiting child ended; a second cancel is refused', async () => {
    const parent = await job({
      target: `rolling:${uniqueName('r')}`,
      kind: 'rolling',
      rolling_role: 'worker',
      state: 'running',
    });
    const before = await job({
      parent_id: parent,
      state: 'done',
      finished_at: new Date(),
      created_at: new Date(Date.now() - 5000),
    });
    const child = await job({ parent_id: parent, state: 'running', waiting_reason: 'worker-9 is rebooting' });
    const outcome = await cancels.cancel(clusterId, parent, 'bob', by);
    expect(outcome).toMatchObject({ cancelled: true, kind: 'rolling', ended: [{ jobId: child }] });
    expect(await row(parent)).toMatchObject({ state: 'running', cancelled_by: 'bob', errors: '' });
    expect(await row(child)).toMatchObject({ state: 'failed', errors: 'Cancelled by bob', lines: ['Fail'] });
    expect(await row(before)).toMatchObject({ state: 'done', cancelled_by: null });
    expect(
      (await audit(parent)).map((record: { action: string; outcome: string }) => [record.action, record.outcome]),
    ).toEqual([['job.cancel', 'cancelled']]);
    expect((await audit(parent))[0].detail).toMatchObject({ kind: 'rolling', childJobId: child, childCancelled: true });
    expect((await audit(child)).map((record: { action: string }) => record.action)).toEqual(['job.end', 'job.cancel']);

    expect(await cancels.cancel(clusterId, parent, 'carol', by)).toMatchObject({
      cancelled: false,
      reason: 'already cancelled by bob',
    });
  });

  it('leaves a rolling reboot’s child alone once its reboot started: the worker ends the rest', async () => {
    const parent = await job({ target: `rolling:${uniqueName('r')}`, kind: 'rolling', rolling_role: 'all' });
    const child = await job({ parent_id: parent, state: 'running', admitted_at: new Date() });
    expect(await cancels.cancel(clusterId, parent, 'bob', by)).toMatchObject({ cancelled: true, ended: [] });
    expect(await row(parent)).toMatchObject({ state: 'queued', cancelled_by: 'bob' });
    expect(await row(child)).toMatchObject({ state: 'running', cancelled_by: null });
    const ended = await job({
      target: `rolling:${uniqueName('r')}`,
      kind: 'rolling',
      state: 'failed',
      finished_at: new Date(),
    });
    expect(await cancels.cancel(clusterId, ended, 'bob', by)).toMatchObject({
      cancelled: false,
      reason: 'the job has already ended (failed)',
    });
  });

  it('cancels once when two cancels race: the other is told the job has ended', async () => {
    const id = await job({});
    const outcomes = await Promise.all([
      cancels.cancel(clusterId, id, 'bob', by),
      cancels.cancel(clusterId, id, 'carol', by),
    ]);
    expect(outcomes.map((outcome) => outcome?.cancelled).sort()).toEqual([false, true]);
    expect(outcomes.find((outcome) => outcome?.cancelled === false)).toMatchObject({
      reason: 'the job has already ended (failed)',
    });
    expect((await row(id)).lines).toEqual(['Fail']);
  });
});
