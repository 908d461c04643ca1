import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { JobRetention, type RetentionCounts } from '@oshift/jobs';
import { MetricsRegistry } from '@oshift/observability';
import { dataSourceOptions, migrate } from '@oshift/persistence';
import { testServices } from '@oshift/testing';
import { RetentionSweeper } from './retention-sweeper';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Retention against Postgres, in a database of its own (a pass deletes whatever is old in the whole database):
 * ended jobs past RETENTION_DAYS go with their lines, deliveries and keys, batch by batch; audit events by their
 * own cutoff; active jobs and a running rolling reboot's steps stay; one process deletes at a time.
 */
describe('RetentionSweeper against Postgres', () => {
  const server = new URL(testServices().databaseUrl);
  server.pathname = '/postgres';
  const database = `oshift_test_retention_${randomBytes(4).toString('hex')}`;
  const url = Object.assign(new URL(server), { pathname: `/${database}` }).toString();
  const admin = new Client({ connectionString: server.toString() });
  let db: Client;
  let dataSource: DataSource;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await migrate({ url });
    db = new Client({ connectionString: url });
    await db.connect();
    dataSource = new DataSource(dataSourceOptions({ url, poolSize: 2 }));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  async function seed(): Promise<void> {
    const ago = (days: number) => `now() - interval '${days} days'`;
    await db.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ('c1.example.test', 'https://k.test/v3', 'env:X')`,
    );
    await db.query(
      `INSERT INTO webhooks (id, cluster_id, url, secret_ref, created_by)
       VALUES ('00000000-0000-0000-0000-000000000001', 'c1.example.test', 'https://hooks.example.test', 'env:H', 'u')`,
    );
    const job = (id: string, state: string, created: string, finished: string | null, parent: string | null = null) =>
      db.query(
        `INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, finished_at, parent_id)
         VALUES ($1, 'c1.example.test', $1, $2, 'u', ${created}, ${finished ?? 'NULL'}, $3)`,
        [id, state, parent],
      );
    for (const n of [1, 2, 3, 4, 5]) await job(`old-${n}`, n % 2 ? 'done' : 'failed', ago(100 + n), ago(100 + n));
    await job('recent', 'done', ago(10), ago(10));
    await job('running-old', 'running', ago(200), null);
    await job('queued-old', 'queued', ago(150), null);
    await db.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, kind, rolling_role)
       VALUES ('rolling', 'c1.example.test', 'rolling:worker', 'running', 'u', ${ago(120)}, 'rolling', 'worker')`,
    );
    await job('step-of-rolling', 'done', ago(120), ago(119), 'rolling');
    const ids = ['old-1', 'old-2', 'old-3', 'old-4', 'old-5', 'recent', 'running-old', 'step-of-rolling'];
    await db.query(
      `INSERT INTO job_lines (job_id, seq, line, created_at)
       SELECT id, s, 'line ' || s, created_at FROM jobs, generate_series(1, 3) s WHERE id = ANY($1)`,
      [ids],
    );
    await db.query(
      `INSERT INTO webhook_deliveries (webhook_id, job_id, state)
       SELECT '00000000-0000-0000-0000-000000000001', id, 'delivered' FROM unnest($1::text[]) id`,
      [ids],
    );
    // The operators' test deliveries belong to no job: one past retention, one recent.
    await db.query(
      `INSERT INTO webhook_deliveries (webhook_id, event, state, created_at)
       VALUES ('00000000-0000-0000-0000-000000000001', 'webhook.test', 'delivered', ${ago(95)}),
              ('00000000-0000-0000-0000-000000000001', 'webhook.test', 'delivered', ${ago(1)})`,
    );
    await db.query(
      `INSERT INTO idempotency_keys (username, key, request_hash, job_id) SELECT 'u', 'k-' || id, 'h', id FROM unnest($1::text[]) id`,
      [ids],
    );
    await db.query(
      `INSERT INTO audit_events (at, actor, action, outcome)
       SELECT now() - d * interval '1 day', 'u', 'node.reboot', 'accepted' FROM unnest(ARRAY[400, 401, 402, 100, 101]) d`,
    );
  }

  async function left(): Promise<Record<string, unknown>> {
    const { rows } = await db.query(
      `SELECT (SELECT array_agg(id ORDER BY id) FROM jobs) AS jobs,
              (SELECT array_agg(DISTINCT job_id ORDER BY job_id) FROM job_lines) AS lines_of,
              (SELECT count(*)::int FROM job_lines) AS lines,
              (SELECT count(*)::int FROM webhook_deliveries) AS deliveries,
              (SELECT count(*)::int FROM idempotency_keys) AS keys,
              (SELECT count(*)::int FROM audit_events) AS audit_events`,
    );
    return rows[0];
  }

  it('deletes old ended jobs with their rows in batches, audit events by their own cutoff, one process at a time', async () => {
    await seed();
    const retention = new JobRetention(dataSource);
    const cutoffs = {
      jobsBefore: new Date(Date.now() - 90 * DAY_MS),
      auditBefore: new Date(Date.now() - 365 * DAY_MS),
    };

    // Two batches of two jobs, oldest first: each takes its jobs' lines, deliveries and keys, and no more; the
    // first takes the old test delivery too.
    const batches: RetentionCounts[] = [];
    const stopped = await retention.run(cutoffs, 2, {
      onBatch: (counts) => batches.push(counts),
      stop: () => batches.length === 2,
    });
    const batch = { jobs: 2, job_lines: 6, webhook_deliveries: 2, idempotency_keys: 2, audit_events: 0 };
    expect(batches).toEqual([{ ...batch, webhook_deliveries: 3 }, batch]);
    expect(stopped).toMatchObject({ jobs: 4, job_lines: 12, interrupted: true });
    expect((await left()).jobs).toEqual(['old-1', 'queued-old', 'recent', 'rolling', 'running-old', 'step-of-rolling']);

    const metrics = new MetricsRegistry();
    const sweeper = new RetentionSweeper(retention, metrics, {
      retention: { jobsMs: 90 * DAY_MS, auditMs: 365 * DAY_MS, batchSize: 2, intervalMs: 3_600_000 },
    });

    // While another process deletes (holds the lock), a worker's pass leaves it alone.
    const other = new Client({ connectionString: url });
    await other.connect();
    await other.query(`BEGIN`);
    await other.query(`SELECT pg_advisory_xact_lock(hashtext('oshift.retention'))`);
    expect(await sweeper.sweep()).toMatchObject({ jobs: 0, audit_events: 0, interrupted: true });
    await other.query(`ROLLBACK`);
    await other.end();

    expect(await sweeper.sweep()).toEqual({
      jobs: 1,
      job_lines: 3,
      webhook_deliveries: 1,
      idempotency_keys: 1,
      audit_events: 3,
      interrupted: false,
    });
    // Active jobs, however old, and the ended step of a rolling reboot still running are kept; so is recent history.
    expect(await left()).toEqual({
      jobs: ['queued-old', 'recent', 'rolling', 'running-old', 'step-of-rolling'],
      lines_of: ['recent', 'running-old', 'step-of-rolling'],
      lines: 9,
      deliveries: 4,
      keys: 3,
      audit_events: 2,
    });

    const text = await metrics.exposition();
    for (const [table, count] of Object.entries({
      jobs: 1,
      job_lines: 3,
      webhook_deliveries: 1,
      idempotency_keys: 1,
      audit_events: 3,
    })) {
      expect(text).toContain(`oshift_retention_deleted_rows_total{table="${table}"} ${count}\n`);
    }
    // The oldest ended job kept is the rolling reboot's step (ended 119 days ago); the oldest audit event 101 days.
    const age = (table: string) =>
      Number(new RegExp(`oshift_retention_oldest_row_age_seconds\\{table="${table}"\\} (\\S+)`).exec(text)?.[1]);
    expect(age('jobs') / 86_400).toBeCloseTo(119, 2);
    expect(age('audit_events') / 86_400).toBeCloseTo(101, 2);
    expect(age('job_lines') / 86_400).toBeCloseTo(120, 0);
    // The oldest delivery kept is the recent test delivery (1 day), older than those the seed made for jobs (now).
    expect(age('webhook_deliveries') / 86_400).toBeCloseTo(1, 2);

    // Nothing left past retention: a further pass deletes nothing.
    expect(await sweeper.sweep()).toMatchObject({ jobs: 0, audit_events: 0, interrupted: false });
  });
});
