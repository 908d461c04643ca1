import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, grants, clusters, jobs with their output lines, and the audit trail. */
export class InitialSchema1795814875000 implements MigrationInterface {
  name = 'InitialSchema1795814875000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$'),
        password_hash text,
        disabled boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE clusters (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$'),
        auth_url text NOT NULL,
        region text,
        interface text NOT NULL DEFAULT 'public' CHECK (interface IN ('public', 'internal', 'admin')),
        project_id text,
        project_name text,
        project_domain text,
        username text,
        user_domain text,
        application_credential_id text,
        secret_ref text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE grants (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        cluster_id text NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('read', 'reboot')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, cluster_id, role)
      )`);
    await db.query(`CREATE INDEX grants_cluster_idx ON grants (cluster_id)`);
    await db.query(`
      CREATE TABLE jobs (
        id text PRIMARY KEY,
        cluster_id text NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        target text NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        errors text NOT NULL DEFAULT '',
        requested_by text NOT NULL,
        request_id text,
        server_id text,
        reboot_type text NOT NULL DEFAULT 'SOFT' CHECK (reboot_type IN ('SOFT', 'HARD')),
        reboot_attempted_at timestamptz,
        reboot_sent_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        deadline_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    // One running reboot per node: the database, not a race-prone read, decides the 409.
    await db.query(
      `CREATE UNIQUE INDEX jobs_one_active_per_node ON jobs (cluster_id, target) WHERE state IN ('queued', 'running')`,
    );
    await db.query(`CREATE INDEX jobs_active_idx ON jobs (state, created_at) WHERE state IN ('queued', 'running')`);
    await db.query(`
      CREATE TABLE job_lines (
        job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        line text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_id, seq)
      )`);
    await db.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        source text,
        action text NOT NULL,
        cluster_id text,
        target text,
        outcome text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await db.query(`CREATE INDEX audit_events_cluster_at_idx ON audit_events (cluster_id, at)`);
    await db.query(`CREATE INDEX audit_events_actor_at_idx ON audit_events (actor, at)`);
    // Append-only: the application role may insert and read, never rewrite history.
    await db.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_events_no_rewrite BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit_events`);
    await db.query(`DROP FUNCTION audit_events_append_only`);
    await db.query(`DROP TABLE job_lines`);
    await db.query(`DROP TABLE jobs`);
    await db.query(`DROP TABLE grants`);
    await db.query(`DROP TABLE clusters`);
    await db.query(`DROP TABLE users`);
  }
}
