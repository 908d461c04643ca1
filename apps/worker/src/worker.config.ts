import { z } from 'zod';
import {
  buildRevision,
  clusterSecretEnvironment,
  clusterSecretGroup,
  flag,
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
import { webhookAllowCidrs } from '@oshift/webhooks';
import { DEFAULT_SILENCE_MATCHERS, parseSilenceMatchers } from './silence-matchers';

const DAY_MS = 24 * 60 * 60 * 1000;

const schema = z
  .object({
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: positiveInt(5),
    ...redisEnvironment,
    WORKER_CONCURRENCY: positiveInt(16),
    POLL_INTERVAL_MS: positiveInt(1000),
    OUTPUT_LINE_SECONDS: z.coerce.number().int().min(0).default(10),
    RECONCILE_INTERVAL_MS: positiveInt(30000),
    SHUTDOWN_GRACE_MS: positiveInt(10000),
    JOB_LEASE_SECONDS: positiveInt(30),
    JOB_DEADLINE_SECONDS: positiveInt(600),
    SOFT_REBOOT_TIMEOUT_SECONDS: z.coerce.number().int().min(0).default(0),
    OPENSTACK_TIMEOUT_MS: positiveInt(10000),
    OPENSTACK_CALLS_PER_SECOND: positiveInt(20),
    KUBE_API_TIMEOUT_MS: positiveInt(10000),
    NODE_STATUS_CACHE_MS: z.coerce.number().int().min(0).default(2000),
    ...clusterSecretEnvironment,
    LOG_LEVEL: logLevel,
    BUILD_REVISION: buildRevision,
    ...telemetryEnvironment,
    WORKER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    WORKER_HTTP_PORT: port(9464),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    PUBLIC_URL: httpUrl.default('http://127.0.0.1:8080'),
    WEBHOOK_ALLOW_LOOPBACK: flag(false),
    WEBHOOK_ALLOW_CIDRS: webhookAllowCidrs,
    ALERTMANAGER_URL: httpUrl.optional(),
    ALERTMANAGER_TOKEN_REF: z
      .string()
      .regex(/^(env|file):.+$/, 'must be env:NAME or file:PATH (under the cluster secrets rules)')
      .optional(),
    ALERTMANAGER_SILENCE_MATCHERS: z
      .string()
      .default(DEFAULT_SILENCE_MATCHERS)
      .transform((text, context) => {
        try {
          return parseSilenceMatchers(text);
        } catch (error) {
          context.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
          return z.NEVER;
        }
      }),
    ALERTMANAGER_TIMEOUT_MS: positiveInt(5000),
    RETENTION_DAYS: positiveInt(90),
    AUDIT_RETENTION_DAYS: positiveInt(365),
    RETENTION_BATCH_SIZE: positiveInt(500),
    RETENTION_INTERVAL_SECONDS: positiveInt(600),
  })
  .transform((env, ctx) => ({
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: redisSettings(env, ctx, 'redis://127.0.0.1:6379'),
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      pollIntervalMs: env.POLL_INTERVAL_MS,
      /** A job's `<node> <STATUS>` line is written on every change, else at most once this often; 0: every poll. */
      outputLineMs: env.OUTPUT_LINE_SECONDS * 1000,
      reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
      /** How long a job stays with a handler that stopped renewing its lease (renewed on every poll). */
      leaseMs: env.JOB_LEASE_SECONDS * 1000,
      /** A SOFT reboot not finished by then is escalated to HARD; 0 never escalates. */
      softRebootTimeoutMs: env.SOFT_REBOOT_TIMEOUT_SECONDS * 1000,
      /**
       * A reboot POST left without an answer may still be applied by Nova this long after it was attempted: it is
       * never sent again before (three request timeouts, and at least one lease).
       */
      confirmWindowMs: Math.max(3 * env.OPENSTACK_TIMEOUT_MS, env.JOB_LEASE_SECONDS * 1000),
      /** No reboot POST starts when the job's deadline is closer than one request timeout. */
      sendMarginMs: env.OPENSTACK_TIMEOUT_MS,
      /** Each node's reboot within a rolling reboot has this long to end (the gateway's JOB_DEADLINE_SECONDS). */
      stepDeadlineMs: env.JOB_DEADLINE_SECONDS * 1000,
    },
    openstack: {
      timeoutMs: env.OPENSTACK_TIMEOUT_MS,
      /** Ceiling on Keystone/Nova calls per second to one cluster, shared by all workers. */
      callsPerSecondPerCluster: env.OPENSTACK_CALLS_PER_SECOND,
    },
    /** Each call to a connected cluster's own Kubernetes API (nodes, cordon, pods, eviction). */
    kubernetes: { timeoutMs: env.KUBE_API_TIMEOUT_MS },
    /** Lifetime of node lists the worker stores in the shared cache (the gateways' NODE_STATUS_CACHE_MS). */
    nodeStatus: { cacheMs: env.NODE_STATUS_CACHE_MS },
    /** Where cluster secrets may come from (see `clusterSecretEnvironment`). */
    secrets: clusterSecretGroup(env),
    logLevel: env.LOG_LEVEL,
    /** The commit this process was built from, for `oshift_build_info`. */
    revision: env.BUILD_REVISION,
    /** OpenTelemetry tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set (`undefined`: off). */
    telemetry: telemetryGroup(env, 'oshift-worker'),
    /** Health and metrics (`/healthz`, `/readyz`, `/metrics`); port 0 lets the system choose. */
    http: { host: env.WORKER_HTTP_HOST, port: env.WORKER_HTTP_PORT, metricsToken: env.METRICS_TOKEN },
    webhooks: {
      /** The gateways' public URL: the base of the `status_url` in webhook events. */
      publicUrl: env.PUBLIC_URL,
      /** Deliveries to loopback addresses (http:// included): demos and tests only. */
      allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK,
      /** Internal ranges where receivers may be (https:// only); never loopback, link-local or metadata. */
      allowCidrs: env.WEBHOOK_ALLOW_CIDRS,
    },
    /** Where reboots silence their node's alerts while they run; no URL: no silences. */
    alertmanager: {
      url: env.ALERTMANAGER_URL,
      /** A bearer token's `env:`/`file:` reference, resolved at each call (a rotated file is picked up). */
      tokenRef: env.ALERTMANAGER_TOKEN_REF,
      /** The silence's matchers, `{node}` standing for the node's name. */
      matchers: env.ALERTMANAGER_SILENCE_MATCHERS,
      timeoutMs: env.ALERTMANAGER_TIMEOUT_MS,
    },
    /**
     * What the workers delete, in batches of `batchSize` rows each its own short transaction, one worker at a
     * time, every `intervalMs`: ended jobs (with their lines, deliveries and idempotency keys) older than
     * `jobsMs`, audit events older than `auditMs`.
     */
    retention: {
      jobsMs: env.RETENTION_DAYS * DAY_MS,
      auditMs: env.AUDIT_RETENTION_DAYS * DAY_MS,
      batchSize: env.RETENTION_BATCH_SIZE,
      intervalMs: env.RETENTION_INTERVAL_SECONDS * 1000,
    },
  }));

/** Every variable the worker reads (the deployment manifests' tests check against it). */
export const WORKER_VARIABLES: readonly string[] = Object.keys(schema.in.shape);

export type WorkerConfig = Omit<z.output<typeof schema>, 'secrets'> & {
  /** Where cluster secrets may come from, with the variables `env:` references may name. */
  secrets: ReturnType<typeof clusterSecretGroup> & { env: Readonly<Record<string, string | undefined>> };
};

/** The worker's configuration, from its environment (the only place the worker reads it). */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const config = parseConfig(schema, env);
  return { ...config, secrets: withSecretVariables(config.secrets, env) };
}
