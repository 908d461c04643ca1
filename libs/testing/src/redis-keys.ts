import { connectRedis, scanKeys, type RedisTargetInput } from '@oshift/redis';

/**
 * Deletes every key starting with `prefix` (SCAN, never KEYS or FLUSH: the Redis server is shared) and
 * returns how many went. On a Cluster, the keys of each primary in turn.
 */
export async function deleteRedisKeys(target: RedisTargetInput, prefix: string): Promise<number> {
  const redis = connectRedis(target, 'one-shot', { maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let deleted = 0;
    // One by one: on a Cluster, keys of different slots cannot go in one DEL.
    for (const key of await scanKeys(redis, `${prefix}*`)) deleted += await redis.del(key);
    return deleted;
  } finally {
    redis.disconnect();
  }
}
