import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reboot's side in the cluster's own API, on a connected cluster, so a worker that resumes a job carries on in
 * the right phase: the Kubernetes node it is (`kube_node`), where it stands (`node_phase`: `draining`, `drained`,
 * `active` once Nova shows the server back, `ready` once the node is Ready with a new boot), whether this job
 * cordoned the node (so it uncordons only a node it cordoned, and never cordons it twice), the node's boot id read
 * before the reboot, when the drain began (for its timeout), and the last progress line said (each said once).
 */
export class NodeDrain1796090020300 implements MigrationInterface {
  name = 'NodeDrain1796090020300';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE jobs ADD COLUMN kube_node text, ADD COLUMN node_phase text, ADD COLUMN cordoned_by_job boolean,
         ADD COLUMN boot_id_before text, ADD COLUMN drain_started_at timestamptz, ADD COLUMN node_line text`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE jobs DROP COLUMN node_line, DROP COLUMN drain_started_at, DROP COLUMN boot_id_before,
         DROP COLUMN cordoned_by_job, DROP COLUMN node_phase, DROP COLUMN kube_node`,
    );
  }
}
