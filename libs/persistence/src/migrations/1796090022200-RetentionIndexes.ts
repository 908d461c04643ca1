import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention's batches read ended jobs oldest first: `jobs_ended_idx` gives them in that order without reading
 * the active jobs or sorting, at any size of the table (plans in docs/architecture.md). The other rows a batch
 * deletes are found by `job_lines`' primary key, `webhook_deliveries_job_idx`, `idempotency_keys_job_idx` and
 * `audit_events_at_idx`.
 */
export class RetentionIndexes1796090022200 implements MigrationInterface {
  name = 'RetentionIndexes1796090022200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX jobs_ended_idx ON jobs ((coalesce(finished_at, created_at))) WHERE state IN ('done', 'failed')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX jobs_ended_idx`);
  }
}
