import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cluster-safe reboots: each cluster's reboot rules (roles, parallelism, cooldown), and what a job needs to wait
 * its turn (`admitted_at`: the rules let it start; `waiting_reason`: why not yet), to be cancelled, and to be one
 * step of a rolling reboot (`kind`, `parent_id`, `rolling_role`; `mirrored_lines`: how many of a step's lines
 * its rolling reboot has copied into its own output), and what last stood in a reboot's way (`last_problem`,
 * kept across the short steps a job now takes, so a job that reaches its deadline can still say why). Indexes serve the questions asked on every
 * admission and every watcher poll: the cluster's reboots in flight, and the jobs a watcher observes.
 */
export class ClusterSafety1796090000100 implements MigrationInterface {
  name = 'ClusterSafety1796090000100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE clusters ADD COLUMN reboot_policy jsonb`);
    await db.query(`
      ALTER TABLE jobs
        ADD COLUMN kind text NOT NULL DEFAULT 'reboot' CHECK (kind IN ('reboot', 'rolling')),
        ADD COLUMN parent_id text REFERENCES jobs (id) ON DELETE SET NULL,
        ADD COLUMN rolling_role text,
        ADD COLUMN admitted_at timestamptz,
        ADD COLUMN waiting_reason text,
        ADD COLUMN cancelled_by text,
        ADD COLUMN mirrored_lines integer NOT NULL DEFAULT 0,
        ADD COLUMN last_problem text`);
    await db.query(
      `CREATE INDEX jobs_in_flight_idx ON jobs (cluster_id)
        WHERE admitted_at IS NOT NULL AND state IN ('queued', 'running')`,
    );
    await db.query(
      `CREATE INDEX jobs_watched_idx ON jobs (cluster_id)
        WHERE reboot_attempted_at IS NOT NULL AND state IN ('queued', 'running')`,
    );
    await db.query(`CREATE INDEX jobs_parent_idx ON jobs (parent_id, created_at) WHERE parent_id IS NOT NULL`);
    await db.query(
      `CREATE INDEX jobs_node_done_idx ON jobs (cluster_id, target, finished_at DESC) WHERE state = 'done'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX jobs_node_done_idx`);
    await db.query(`DROP INDEX jobs_parent_idx`);
    await db.query(`DROP INDEX jobs_watched_idx`);
    await db.query(`DROP INDEX jobs_in_flight_idx`);
    await db.query(`
      ALTER TABLE jobs DROP COLUMN last_problem, DROP COLUMN mirrored_lines, DROP COLUMN cancelled_by, DROP COLUMN waiting_reason, DROP COLUMN admitted_at,
        DROP COLUMN rolling_role, DROP COLUMN parent_id, DROP COLUMN kind`);
    await db.query(`ALTER TABLE clusters DROP COLUMN reboot_policy`);
  }
}
