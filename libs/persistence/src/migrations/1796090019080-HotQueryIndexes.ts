import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the queries that run all the time or on every delete (plans in docs/architecture.md):
 * - the reconciler's page of orphans (active, never attempted, by deadline then id): read in index order, no sort;
 * - a cluster's jobs still waiting for the rules, in request order (the fair admission and the watcher's wake);
 * - `webhook_deliveries.job_id` and `idempotency_keys.job_id`: their foreign keys cascade from `jobs`, so
 *   deleting a job (admin prune) no longer scans both tables;
 * - `audit_events(at)`: retention (`admin prune`) and the audit trail read by time alone.
 */
export class HotQueryIndexes1796090019080 implements MigrationInterface {
  name = 'HotQueryIndexes1796090019080';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX jobs_orphan_candidates_idx ON jobs ((COALESCE(deadline_at, 'infinity'::timestamptz)), id)
        WHERE state IN ('queued', 'running') AND reboot_attempted_at IS NULL`,
    );
    await db.query(
      `CREATE INDEX jobs_waiting_turn_idx ON jobs (cluster_id, created_at, id)
        WHERE admitted_at IS NULL AND state IN ('queued', 'running')`,
    );
    await db.query(`CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id)`);
    await db.query(`CREATE INDEX idempotency_keys_job_idx ON idempotency_keys (job_id)`);
    await db.query(`CREATE INDEX audit_events_at_idx ON audit_events (at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX audit_events_at_idx`);
    await db.query(`DROP INDEX idempotency_keys_job_idx`);
    await db.query(`DROP INDEX webhook_deliveries_job_idx`);
    await db.query(`DROP INDEX jobs_waiting_turn_idx`);
    await db.query(`DROP INDEX jobs_orphan_candidates_idx`);
  }
}
