import { z } from 'zod';
import { httpUrl, logLevel, parseConfig, port, positiveInt, postgresUrl, redisUrl } from '@oshift/config';

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(8080),
    PUBLIC_URL: httpUrl.optional(),
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: positiveInt(10),
    REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]+$/)
      .default('oshift'),
    BODY_LIMIT_BYTES: positiveInt(16 * 1024),
    JOB_DEADLINE_SECONDS: positiveInt(600),
    CREDENTIAL_CACHE_TTL_SECONDS: positiveInt(60),
    CREDENTIAL_CACHE_MAX_ENTRIES: positiveInt(10000),
    OPENSTACK_TIMEOUT_MS: positiveInt(10000),
    CLUSTER_SECRET_KEY: z.string().optional(),
    LOG_LEVEL: logLevel,
    AUTH_REALM: z
      .string()
      .regex(/^[\x20-\x7e]+$/)
      .refine((v) => !v.includes('"'), 'no quotes')
      .default('OpenShift self-service'),
  })
  .transform((env) => ({
    http: {
      host: env.HOST,
      port: env.PORT,
      publicUrl: env.PUBLIC_URL ?? `http://${env.HOST}:${env.PORT}`,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      authRealm: env.AUTH_REALM,
    },
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    jobs: { deadlineMs: env.JOB_DEADLINE_SECONDS * 1000 },
    access: {
      credentialCacheTtlMs: env.CREDENTIAL_CACHE_TTL_SECONDS * 1000,
      credentialCacheMaxEntries: env.CREDENTIAL_CACHE_MAX_ENTRIES,
    },
    openstack: { timeoutMs: env.OPENSTACK_TIMEOUT_MS, encryptionKey: env.CLUSTER_SECRET_KEY },
    logLevel: env.LOG_LEVEL,
  }));

export type GatewayConfig = z.output<typeof schema> & {
  /** Variables that `env:` cluster secret references may name. */
  secretEnv: Readonly<Record<string, string | undefined>>;
};

/** The gateway's configuration, from its environment (the only place the gateway reads it). */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return { ...parseConfig(schema, env), secretEnv: { ...env } };
}
