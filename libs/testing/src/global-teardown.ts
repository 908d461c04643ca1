import { Client } from 'pg';
import Redis from 'ioredis';
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
  if (redisUrl && prefix) {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
  for (const container of (state.__oshiftContainers as { stop(): Promise<unknown> }[] | undefined) ?? []) {
    await container.stop();
  }
}
