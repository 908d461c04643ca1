import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trace a job's handling ran in (W3C `traceparent`), kept so the cluster's watcher can record what it observes
 * of the job in that same trace. Null when tracing is off, or the job was never handled with it on.
 */
export class JobTraceContext1796090021500 implements MigrationInterface {
  name = 'JobTraceContext1796090021500';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs ADD COLUMN trace_context text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs DROP COLUMN trace_context`);
  }
}
