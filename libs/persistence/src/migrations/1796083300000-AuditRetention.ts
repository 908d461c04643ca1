import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention: audit events stay append-only, except that a transaction which has set `oshift.retention` to
 * `prune` (the operator CLI's `prune`, and nothing else) may delete events. Updates are refused as before.
 */
export class AuditRetention1796083300000 implements MigrationInterface {
  name = 'AuditRetention1796083300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('oshift.retention', true) = 'prune' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only';
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only';
      END $$`);
  }
}
