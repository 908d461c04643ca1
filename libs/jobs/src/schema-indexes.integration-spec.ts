import { DataSource } from 'typeorm';
import { testServices } from '@oshift/testing';
import { dataSourceOptions } from '@oshift/persistence';

/**
 * The schema the migrations leave (this run's private database, migrated by the global setup) serves its hot
 * queries from indexes: every foreign key can find the rows it cascades to, and the reconciler reads its page
 * of orphans in index order rather than sorting every candidate.
 */
describe('schema indexes', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 1 }, []));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('has an index led by the columns of every foreign key, so a delete never scans the referencing table', async () => {
    const unindexed: { fk: string }[] = await dataSource.query(
      `SELECT c.conrelid::regclass || '(' || (SELECT string_agg(a.attname, ', ') FROM unnest(c.conkey) k
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k) || ')' AS fk
         FROM pg_constraint c
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
          AND NOT EXISTS (
            SELECT 1 FROM pg_index i
             WHERE i.indrelid = c.conrelid
               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
        ORDER BY 1`,
    );
    expect(unindexed.map((row) => row.fk)).toEqual([]);
  });

  it.each([
    [
      'the reconciler’s page of orphans',
      `SELECT id FROM jobs WHERE state IN ('queued', 'running') AND reboot_attempted_at IS NULL
        ORDER BY COALESCE(deadline_at, 'infinity'), id LIMIT 200`,
      'jobs_orphan_candidates_idx',
    ],
    [
      'a cluster’s jobs waiting their turn, in request order',
      `SELECT id FROM jobs WHERE cluster_id = 'c' AND admitted_at IS NULL AND state IN ('queued', 'running')
        ORDER BY created_at, id`,
      'jobs_waiting_turn_idx',
    ],
    [
      'retention’s batch of ended jobs, oldest first',
      `SELECT id FROM jobs WHERE state IN ('done', 'failed') AND coalesce(finished_at, created_at) < now() - interval '90 days'
        ORDER BY coalesce(finished_at, created_at) LIMIT 500`,
      'jobs_ended_idx',
    ],
    [
      'the jobs list of a cluster, newest first',
      `SELECT id FROM jobs WHERE cluster_id = 'c' ORDER BY created_at DESC, id DESC LIMIT 51`,
      'jobs_cluster_created_idx',
    ],
    [
      'a job poll’s lines after the cursor',
      `SELECT line FROM job_lines WHERE job_id = 'j' AND seq > 40 ORDER BY seq`,
      'job_lines_pkey',
    ],
    [
      'audit events by time',
      `SELECT id FROM audit_events WHERE at < now() - interval '90 days'`,
      'audit_events_at_idx',
    ],
  ])('reads %s from an index, without a sort', async (_what, sql, index) => {
    const plan = await dataSource.transaction(async (manager) => {
      // The test database is nearly empty: make the planner choose as it would on a big table.
      await manager.query(`SET LOCAL enable_seqscan = off`);
      await manager.query(`SET LOCAL enable_bitmapscan = off`);
      // And whatever the other tests left in it: an index that reads in the query's order exists or the plan sorts.
      await manager.query(`SET LOCAL enable_sort = off`);
      const rows: { 'QUERY PLAN': string }[] = await manager.query(`EXPLAIN (COSTS OFF) ${sql}`);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain(index);
    expect(plan).not.toMatch(/\bSort\b/);
  });
});
