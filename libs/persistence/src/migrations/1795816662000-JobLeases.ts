import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lease on each running job: one handler at a time may act on a job, even when the queue hands the
 * same job to two workers (a stalled lock, a Redis that lost its state and a reconciler re-enqueueing).
 */
export class JobLeases1795816662000 implements MigrationInterface {
  name = 'JobLeases1795816662000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs DROP COLUMN lease_owner, DROP COLUMN lease_until`);
  }
}
