/** What the chaos run reads from its environment (the only place it does). */
export interface ChaosEnvironment {
  /** A Postgres server where the run may create its own database (`TEST_DATABASE_URL`, else the local one). */
  adminDatabaseUrl: string;
  /** The `redis-server` binary the run starts its private Redis with (`CHAOS_REDIS_SERVER`). */
  redisServer: string;
  /** libfaketime, preloaded into a worker whose clock is off (`CHAOS_LIBFAKETIME`). */
  libfaketime: string;
  /** The PATH the processes get. */
  path: string;
}

export function loadChaosEnvironment(env: Record<string, string | undefined> = process.env): ChaosEnvironment {
  return {
    adminDatabaseUrl: env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisServer: env.CHAOS_REDIS_SERVER ?? 'redis-server',
    libfaketime: env.CHAOS_LIBFAKETIME ?? '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
    path: env.PATH ?? '',
  };
}
