import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled reboots and maintenance-window overrides: `jobs.not_before` (the job starts no earlier; while it is
 * ahead the job is `scheduled`), and who overrode the cluster's maintenance windows for a job, with their reason.
 * The windows themselves live in `clusters.reboot_policy` (JSON), which needs no change.
 */
export class ScheduledReboots1796090019200 implements MigrationInterface {
  name = 'ScheduledReboots1796090019200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE jobs ADD COLUMN not_before timestamptz,
                        ADD COLUMN window_override_by text,
                        ADD COLUMN window_override_reason text`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE jobs DROP COLUMN window_override_reason, DROP COLUMN window_override_by, DROP COLUMN not_before`,
    );
  }
}
