import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '@oshift/persistence';
import { TestEnv } from './test-environment';
import { dockerAvailable, isListening } from './service-discovery';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/**
 * Provisions what this run's integration and end-to-end tests talk to: a private Postgres database
 * with the migrations applied and a private Redis key prefix, so parallel runs and a running demo never collide.
 * Order: TEST_DATABASE_URL / TEST_REDIS_URL, else the local servers, else testcontainers where Docker exists.
 */
export default async function globalSetup(): Promise<void> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const adminUrl = await resolvePostgres();
  const redisUrl = await resolveRedis();

  const database = `oshift_test_${suffix}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  await migrate({ url: url.toString() });

  process.env[TestEnv.databaseUrl] = url.toString();
  process.env[TestEnv.redisUrl] = redisUrl;
  process.env[TestEnv.redisPrefix] = `oshift-test-${suffix}`;
  (globalThis as Record<string, unknown>).__oshiftAdminUrl = adminUrl;
  (globalThis as Record<string, unknown>).__oshiftDatabase = database;
}

async function resolvePostgres(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  if (await isListening('127.0.0.1', 5432)) return LOCAL_POSTGRES;
  if (dockerAvailable()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('postgres:16-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    (globalThis as Record<string, unknown>).__oshiftContainers = [
      ...(((globalThis as Record<string, unknown>).__oshiftContainers as unknown[]) ?? []),
      container,
    ];
    return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  }
  throw new Error(
    'No Postgres for the tests: set TEST_DATABASE_URL, start PostgreSQL on 127.0.0.1:5432 (trust auth), or run a Docker engine',
  );
}

async function resolveRedis(): Promise<string> {
  if (process.env.TEST_REDIS_URL) return process.env.TEST_REDIS_URL;
  if (await isListening('127.0.0.1', 6379)) return LOCAL_REDIS;
  if (dockerAvailable()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine')
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .start();
    (globalThis as Record<string, unknown>).__oshiftContainers = [
      ...(((globalThis as Record<string, unknown>).__oshiftContainers as unknown[]) ?? []),
      container,
    ];
    return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  }
  throw new Error(
    'No Redis for the tests: set TEST_REDIS_URL, start redis-server on 127.0.0.1:6379, or run a Docker engine',
  );
}
