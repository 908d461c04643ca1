import { connectRedis } from '@oshift/redis';

/**
 * Deletes every key starting with `prefix` (SCAN, never KEYS or FLUSH: the Redis server is shared) and
 * returns how many went.
 */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = connectRedis(redisUrl, 'one-shot', { maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
