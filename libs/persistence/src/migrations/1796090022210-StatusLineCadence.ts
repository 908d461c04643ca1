import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The last `<node> <STATUS>` line the cluster's watcher wrote for a job, and when (Postgres' clock): a status line
 * is written on every change and otherwise at most once every `OUTPUT_LINE_SECONDS`, judged from these, so a worker
 * that takes a job over keeps the cadence. Null until the first status line.
 */
export class StatusLineCadence1796090022210 implements MigrationInterface {
  name = 'StatusLineCadence1796090022210';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs ADD COLUMN status_line text, ADD COLUMN status_line_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs DROP COLUMN status_line, DROP COLUMN status_line_at`);
  }
}
