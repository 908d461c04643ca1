import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The job API: idempotency keys of reboot requests, webhooks with their deliveries, and the index that
 * lists a cluster's jobs newest first. A job's end creates one delivery per webhook of its cluster in the
 * same transaction (a trigger), whichever code ends the job, so no end is ever left unannounced.
 */
export class JobApi1796090000000 implements MigrationInterface {
  name = 'JobApi1796090000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX jobs_cluster_created_idx ON jobs (cluster_id, created_at DESC, id DESC)`);
    await db.query(`
      CREATE TABLE idempotency_keys (
        username text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (username, key)
      )`);
    await db.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
    await db.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id text NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        url text NOT NULL,
        secret_ref text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX webhooks_cluster_idx ON webhooks (cluster_id)`);
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        job_id text REFERENCES jobs (id) ON DELETE CASCADE,
        event text NOT NULL DEFAULT 'job.end',
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz
      )`);
    await db.query(`CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC)`);
    await db.query(
      `CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (created_at) WHERE state = 'pending'`,
    );
    await db.query(`
      CREATE FUNCTION jobs_end_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_deliveries (webhook_id, job_id)
        SELECT w.id, NEW.id FROM webhooks w WHERE w.cluster_id = NEW.cluster_id;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER jobs_end_announce AFTER UPDATE OF state ON jobs
      FOR EACH ROW WHEN (NEW.state IN ('done', 'failed') AND OLD.state NOT IN ('done', 'failed'))
      EXECUTE FUNCTION jobs_end_webhook_deliveries()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER jobs_end_announce ON jobs`);
    await db.query(`DROP FUNCTION jobs_end_webhook_deliveries`);
    await db.query(`DROP TABLE webhook_deliveries`);
    await db.query(`DROP TABLE webhooks`);
    await db.query(`DROP TABLE idempotency_keys`);
    await db.query(`DROP INDEX jobs_cluster_created_idx`);
  }
}
