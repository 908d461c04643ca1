import { connectRedis, scanKeys, type RedisTargetInput } from '@oshift/redis';

/**
 * Deletes every key starting with `prefix` (SCAN, never KEYS or FLUSH: the Redis server is shared) and
 * returns how many went. On a Cluster, the keys of each primary in turn.
 */
export async function deleteRedisKeys(target: RedisTargetInput, prefix: string): Promise<number> {
  const redis = connectRedis(target, 'one-shot', { maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = await scanKeys(redis, `${prefix}*`);
    // On a Cluster one by one (keys of different slots cannot go in one DEL), else a thousand at a time.
    const batch = redis.isCluster ? 1 : 1000;
    let deleted = 0;
    for (let start = 0; start < keys.length; start += batch)
      deleted += await redis.del(...keys.slice(start, start + batch));
    return deleted;
  } finally {
    redis.disconnect();
  }
}
