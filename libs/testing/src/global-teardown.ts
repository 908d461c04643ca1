import { Client } from 'pg';
import { deleteRedisKeys } from './redis-keys';
import { TestEnv } from './test-environment';

/** Drops this run's private database and Redis keys, and stops any containers the setup started. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis as Record<string, unknown>;
  const adminUrl = state.__oshiftAdminUrl as string | undefined;
  const database = state.__oshiftDatabase as string | undefined;
  if (adminUrl && database && !process.env.OSHIFT_TEST_KEEP_DATABASE) {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  const redisUrl = process.env[TestEnv.redisUrl];
  const prefix = process.env[TestEnv.redisPrefix];
  if (redisUrl && prefix) await deleteRedisKeys(redisUrl, prefix);
  for (const container of (state.__oshiftContainers as { stop(): Promise<unknown> }[] | undefined) ?? []) {
    await container.stop();
  }
}
