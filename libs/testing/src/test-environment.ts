/** Names of the variables the global setup hands to every test worker. */
export const TestEnv = {
  databaseUrl: 'OSHIFT_TEST_DATABASE_URL',
  redisUrl: 'OSHIFT_TEST_REDIS_URL',
  redisPrefix: 'OSHIFT_TEST_REDIS_PREFIX',
} as const;

/** The private database, Redis and key prefix of this test run (set up by the jest global setup). */
export function testServices(): { databaseUrl: string; redisUrl: string; redisPrefix: string } {
  const databaseUrl = process.env[TestEnv.databaseUrl];
  const redisUrl = process.env[TestEnv.redisUrl];
  const redisPrefix = process.env[TestEnv.redisPrefix];
  if (!databaseUrl || !redisUrl || !redisPrefix) {
    throw new Error('test services are not set up: run this test through jest (integration or e2e project)');
  }
  return { databaseUrl, redisUrl, redisPrefix };
}
