import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What tells a reboot POST in doubt from one Nova never saw, without comparing anybody's clock with Nova's: the
 * request id the POST's answer carried (`reboot_request_id`, Nova's `x-openstack-request-id`, equal to the
 * `request_id` of the instance action it records), and the newest reboot action Nova had recorded for the server
 * before the POST (`reboot_actions_before`, its request id; '' when there was none): any reboot action newer than
 * that one was recorded after the POST left.
 */
export class RebootConfirm1796090000310 implements MigrationInterface {
  name = 'RebootConfirm1796090000310';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs ADD COLUMN reboot_request_id text, ADD COLUMN reboot_actions_before text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE jobs DROP COLUMN reboot_request_id, DROP COLUMN reboot_actions_before`);
  }
}
