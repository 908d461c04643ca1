import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `released_at`: when a reboot's node was back at rest, and the reboot stopped counting as in flight. A job that
 * ends `Done`, or that never sent anything, is released as it ends; one that ended while a reboot POST might still
 * land is released by its cluster's watcher once Nova can no longer apply it and shows the server at rest. Jobs
 * that ended before this migration are released as they ended (the rules then released them at their end).
 * The in-flight index follows the new meaning (admitted, not released, whatever the state); another serves the
 * settle times (a cluster's recent releases).
 */
export class JobReleases1796090019420 implements MigrationInterface {
  name = 'JobReleases1796090019420';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs ADD COLUMN released_at timestamptz`);
    await db.query(`UPDATE jobs SET released_at = COALESCE(finished_at, created_at) WHERE state IN ('done', 'failed')`);
    await db.query(`DROP INDEX jobs_in_flight_idx`);
    await db.query(
      `CREATE INDEX jobs_in_flight_idx ON jobs (cluster_id) WHERE admitted_at IS NOT NULL AND released_at IS NULL`,
    );
    await db.query(
      `CREATE INDEX jobs_released_idx ON jobs (cluster_id, released_at DESC)
        WHERE admitted_at IS NOT NULL AND released_at IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX jobs_released_idx`);
    await db.query(`DROP INDEX jobs_in_flight_idx`);
    await db.query(
      `CREATE INDEX jobs_in_flight_idx ON jobs (cluster_id)
        WHERE admitted_at IS NOT NULL AND state IN ('queued', 'running')`,
    );
    await db.query(`ALTER TABLE jobs DROP COLUMN released_at`);
  }
}
