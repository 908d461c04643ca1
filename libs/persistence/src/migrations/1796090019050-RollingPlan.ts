import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A rolling reboot's plan, fixed at its first step (`rolling_plan`: the nodes it takes, in order), and the nodes
 * of that plan it skipped because they were no longer in the cluster at their turn (`rolling_skipped`), so the
 * job ends naming them instead of recomputing its plan from whatever the listing shows at each step.
 */
export class RollingPlan1796090019050 implements MigrationInterface {
  name = 'RollingPlan1796090019050';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs ADD COLUMN rolling_plan text[], ADD COLUMN rolling_skipped text[]`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs DROP COLUMN rolling_skipped, DROP COLUMN rolling_plan`);
  }
}
