import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { ClusterRules } from './cluster-rules';
import { newJobId } from './job-id';
import { jobEntities } from './job.entities';
import { JobViews } from './job-views.repository';
import { DEFAULT_REBOOT_POLICY } from './reboot-policy';

/** What customers read of waiting and rolling jobs, and the facts a reboot request is checked against. */
describe('JobViews and ClusterRules.nodeFacts against Postgres', () => {
  let dataSource: DataSource;
  let views: JobViews;
  let rules: ClusterRules;
  let clusterId: string;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, jobEntities));
    await dataSource.initialize();
    views = new JobViews(dataSource);
    rules = new ClusterRules(dataSource);
    clusterId = `${uniqueName('views')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A job row as the worker leaves it at some point of its life. */
  async function job(columns: Record<string, unknown>): Promise<string> {
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
    return values.id as string;
  }

  it('shows waiting for an active job held back with a reason, else the stored state, everywhere it is read', async () => {
    const waiting = await job({ state: 'running', waiting_reason: 'master-1 is rebooting' });
    const queuedWaiting = await job({ state: 'queued', waiting_reason: 'master-1 is rebooting' });
    const admitted = await job({ state: 'running', admitted_at: new Date(), waiting_reason: 'master-1 is rebooting' });
    const queued = await job({ state: 'queued' });
    const ended = await job({ state: 'failed', waiting_reason: 'master-1 is rebooting', finished_at: new Date() });

    const states = async (id: string) => [
      (await views.detail(clusterId, id))?.state,
      (await views.linesSince(clusterId, id, 0))?.state,
    ];
    expect(await states(waiting)).toEqual(['waiting', 'waiting']);
    expect(await states(queuedWaiting)).toEqual(['waiting', 'waiting']);
    expect(await states(admitted)).toEqual(['running', 'running']);
    expect(await states(queued)).toEqual(['queued', 'queued']);
    expect(await states(ended)).toEqual(['failed', 'failed']);

    const listed = async (state: 'waiting' | 'running' | 'queued' | 'failed') =>
      (await views.list(clusterId, { state, limit: 100 })).jobs.map((row) => [row.job_id, row.state]);
    expect(new Set(await listed('waiting'))).toEqual(
      new Set([
        [waiting, 'waiting'],
        [queuedWaiting, 'waiting'],
      ]),
    );
    expect(await listed('running')).toEqual([[admitted, 'running']]);
    expect(await listed('queued')).toEqual([[queued, 'queued']]);
    expect(await listed('failed')).toEqual([[ended, 'failed']]);
  });

  it('adds kind to every job, and role and cancelled_by only where they apply', async () => {
    const single = await job({ target: 'worker-0' });
    const rolling = await job({
      target: 'rolling:infra',
      kind: 'rolling',
      rolling_role: 'infra',
      reboot_type: 'HARD',
      cancelled_by: 'bob',
    });
    const detail = await views.detail(clusterId, rolling);
    expect(detail).toMatchObject({ target: 'rolling:infra', type: 'HARD', kind: 'rolling', role: 'infra' });
    expect(detail?.cancelled_by).toBe('bob');
    expect(Object.keys(detail ?? {}).slice(-3)).toEqual(['kind', 'role', 'cancelled_by']);
    const plain = await views.detail(clusterId, single);
    expect(plain?.kind).toBe('reboot');
    expect(Object.keys(plain ?? {})).not.toContain('role');
    expect(Object.keys(plain ?? {})).not.toContain('cancelled_by');

    const rows = (await views.list(clusterId, { limit: 100 })).jobs;
    expect(rows.find((row) => row.job_id === rolling)).toMatchObject({ kind: 'rolling', role: 'infra' });
    const row = rows.find((candidate) => candidate.job_id === single);
    expect(row?.kind).toBe('reboot');
    expect(Object.keys(row ?? {})).not.toContain('role');
  });

  it('reads a node’s policy, last Done and active job in one go', async () => {
    const target = uniqueName('node');
    expect(await rules.nodeFacts(clusterId, target)).toEqual({
      policy: DEFAULT_REBOOT_POLICY,
      lastDoneAt: null,
      activeJobId: null,
    });
    const earlier = new Date(Date.now() - 3_600_000);
    const later = new Date(Date.now() - 60_000);
    await job({ target, state: 'done', finished_at: earlier });
    await job({ target, state: 'done', finished_at: later });
    await job({ target, state: 'failed', finished_at: new Date() });
    const active = await job({ target, state: 'running' });
    await dataSource.query(`UPDATE clusters SET reboot_policy = $2 WHERE id = $1`, [
      clusterId,
      JSON.stringify({ cooldown_seconds: 120 }),
    ]);
    const facts = await rules.nodeFacts(clusterId, target);
    expect(facts.policy.cooldownSeconds).toBe(120);
    expect(facts.lastDoneAt?.getTime()).toBe(later.getTime());
    expect(facts.activeJobId).toBe(active);
    // An unknown cluster has the defaults.
    expect((await rules.nodeFacts('nowhere.example.test', target)).policy).toEqual(DEFAULT_REBOOT_POLICY);
  });
});
