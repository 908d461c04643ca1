import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  buildRevision,
  clusterSecretEnvironment,
  clusterSecretGroup,
  httpUrl,
  logLevel,
  parseConfig,
  port,
  positiveInt,
  postgresUrl,
  telemetryEnvironment,
  telemetryGroup,
  withSecretVariables,
} from '@oshift/config';
import { redisEnvironment, redisSettings } from '@oshift/redis';
import { authEnvironment, authSettings } from './auth/auth.config';

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(8080),
    PUBLIC_URL: httpUrl.optional(),
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: positiveInt(10),
    ...redisEnvironment,
    BODY_LIMIT_BYTES: positiveInt(16 * 1024),
    JOB_DEADLINE_SECONDS: positiveInt(600),
    STREAM_MAX_PER_USER: positiveInt(20),
    STREAM_MAX_PER_PROCESS: positiveInt(2000),
    CREDENTIAL_CACHE_TTL_SECONDS: positiveInt(60),
    CREDENTIAL_CACHE_MAX_ENTRIES: positiveInt(10000),
    OPENSTACK_TIMEOUT_MS: positiveInt(10000),
    KUBE_API_TIMEOUT_MS: positiveInt(10000),
    NODE_STATUS_CACHE_MS: z.coerce.number().int().min(0).default(2000),
    NODESTATUS_TIMEOUT_MS: positiveInt(5000),
    ...clusterSecretEnvironment,
    LOG_LEVEL: logLevel,
    BUILD_REVISION: buildRevision,
    ...telemetryEnvironment,
    /** Prometheus metrics listen here, apart from the API (HOST by default). */
    METRICS_HOST: z.string().min(1).optional(),
    METRICS_PORT: port(9465),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    AUDIT_HASH_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
    AUTH_REALM: z
      .string()
      .regex(/^[\x20-\x7e]+$/)
      .refine((v) => !v.includes('"'), 'no quotes')
      .default('OpenShift self-service'),
    /** The customers' web page, served at `/` when there: apps/web/src beside the sources, dist/apps/web built. */
    WEB_ROOT: z
      .string()
      .default(
        [resolve(__dirname, '../../web/src'), resolve(__dirname, '../../web')].find((dir) =>
          existsSync(resolve(dir, 'index.html')),
        ) ?? '',
      ),
    /** The page's public OAuth client at the SSO issuer (authorization code + PKCE): turns SSO on in the page. */
    OIDC_WEB_CLIENT_ID: z.string().min(1).optional(),
    ...authEnvironment,
  })
  .transform((env, ctx) => ({
    http: {
      host: env.HOST,
      port: env.PORT,
      publicUrl: env.PUBLIC_URL ?? `http://${env.HOST}:${env.PORT}`,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      authRealm: env.AUTH_REALM,
    },
    // Customer calls run only short statements: one that takes 5 s (or a connection gone silent, 6 s) is a 503.
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, statementTimeoutMs: 5000 },
    redis: redisSettings(env, ctx, 'redis://127.0.0.1:6379'),
    jobs: { deadlineMs: env.JOB_DEADLINE_SECONDS * 1000 },
    /** Event streams (`Accept: text/event-stream`) one user, and everyone, may hold open on this gateway. */
    streams: { maxPerUser: env.STREAM_MAX_PER_USER, maxPerProcess: env.STREAM_MAX_PER_PROCESS },
    access: {
      credentialCacheTtlMs: env.CREDENTIAL_CACHE_TTL_SECONDS * 1000,
      credentialCacheMaxEntries: env.CREDENTIAL_CACHE_MAX_ENTRIES,
    },
    openstack: { timeoutMs: env.OPENSTACK_TIMEOUT_MS },
    /** Each call to a connected cluster's own Kubernetes API (nodes, cordon, pods, eviction). */
    kubernetes: { timeoutMs: env.KUBE_API_TIMEOUT_MS },
    nodeStatus: {
      /** How long a cluster's node list is served from the shared Redis cache; 0 asks Nova every time. */
      cacheMs: env.NODE_STATUS_CACHE_MS,
      /** Longest a node listing (nodestatus, the node check of a reboot) may take before answering 503. */
      timeoutMs: env.NODESTATUS_TIMEOUT_MS,
    },
    /** Where cluster secrets may come from (see `clusterSecretEnvironment`). */
    secrets: clusterSecretGroup(env),
    logLevel: env.LOG_LEVEL,
    /** The commit this process was built from, for `oshift_build_info`. */
    revision: env.BUILD_REVISION,
    /** OpenTelemetry tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set (`undefined`: off). */
    telemetry: telemetryGroup(env, 'oshift-gateway'),
    auth: authSettings(env, ctx),
    web: { root: env.WEB_ROOT, ssoClientId: env.OIDC_WEB_CLIENT_ID },
    /** Key of the hash the audit trail keeps for login names that are no user (the same on every gateway). */
    audit: { hashKey: env.AUDIT_HASH_KEY },
    /** `GET /metrics` on a port of its own; when the token is set, it requires `Authorization: Bearer <token>`. */
    metrics: { host: env.METRICS_HOST ?? env.HOST, port: env.METRICS_PORT, token: env.METRICS_TOKEN },
  }));

/** Every variable the gateway reads (the deployment manifests' tests check against it). */
export const GATEWAY_VARIABLES: readonly string[] = Object.keys(schema.in.shape);

export type GatewayConfig = Omit<z.output<typeof schema>, 'secrets'> & {
  /** Where cluster secrets may come from, with the variables `env:` references may name. */
  secrets: ReturnType<typeof clusterSecretGroup> & { env: Readonly<Record<string, string | undefined>> };
};

/** The gateway's configuration, from its environment (the only place the gateway reads it). */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const config = parseConfig(schema, env);
  return { ...config, secrets: withSecretVariables(config.secrets, env) };
}
