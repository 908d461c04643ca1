import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Alertmanager silence a reboot created for its node (`silence_id`; '' when creating it failed) and when it
 * was expired, so any worker can expire it once the job has ended, even after the one that created it crashed.
 * A partial index finds the ended jobs whose silence is still owed an expiry; another serves the ETA's query
 * (the durations of a cluster's last successful reboots, newest first).
 */
export class RebootSilences1796090019300 implements MigrationInterface {
  name = 'RebootSilences1796090019300';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs ADD COLUMN silence_id text, ADD COLUMN silence_expired_at timestamptz`);
    await db.query(
      `CREATE INDEX jobs_silence_owed_idx ON jobs (finished_at)
        WHERE silence_id <> '' AND silence_expired_at IS NULL AND state IN ('done', 'failed')`,
    );
    await db.query(
      `CREATE INDEX jobs_done_reboots_idx ON jobs (cluster_id, finished_at DESC)
        WHERE state = 'done' AND kind = 'reboot' AND reboot_sent_at IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX jobs_done_reboots_idx`);
    await db.query(`DROP INDEX jobs_silence_owed_idx`);
    await db.query(`ALTER TABLE jobs DROP COLUMN silence_expired_at, DROP COLUMN silence_id`);
  }
}
