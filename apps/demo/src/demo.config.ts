import { z } from 'zod';
import {
  clusterSecretKey,
  flag,
  httpUrl,
  parseConfig,
  port,
  positiveInt,
  postgresUrl,
  redisUrl,
  redisPrefix,
} from '@oshift/config';

const schema = z
  .object({
    DATABASE_URL: postgresUrl.optional(),
    REDIS_URL: redisUrl.optional(),
    REDIS_PREFIX: redisPrefix('oshift-demo'),
    HOST: z.string().default('127.0.0.1'),
    PORT: port(8080),
    SIM_PORT: port(5005),
    /** `demo seed`: the Keystone URL the demo cluster is registered with (default: the local simulator). */
    DEMO_IDENTITY_URL: httpUrl.optional(),
    /** `demo seed`: the Kubernetes API the demo cluster is connected to (default: none, not connected). */
    DEMO_KUBE_API_URL: httpUrl.optional(),
    DATA_DIR: z.string().default('.data'),
    SIM_REBOOT_DURATION_MS: positiveInt(5000),
    /** How long after its VM is ACTIVE a rebooted node turns Ready in the demo cluster's Kubernetes API. */
    SIM_NODE_READY_DELAY_MS: z.coerce.number().int().min(0).default(5000),
    /** `false`: the demo cluster is not connected to its Kubernetes API (reboots judged from Nova alone). */
    DEMO_KUBE: flag(true),
    POLL_INTERVAL_MS: positiveInt(1000),
    /** The worker's OUTPUT_LINE_SECONDS: a status line every second in the demo, so a reboot looks alive. */
    OUTPUT_LINE_SECONDS: z.coerce.number().int().min(0).default(1),
    /** The key that seals webhook signing secrets; unset, the demo makes one and keeps it in DATA_DIR. */
    CLUSTER_SECRET_KEY: clusterSecretKey,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('warn'),
  })
  .transform((env) => ({
    databaseUrl: env.DATABASE_URL,
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    http: { host: env.HOST, port: env.PORT },
    simulator: {
      port: env.SIM_PORT,
      rebootDurationMs: env.SIM_REBOOT_DURATION_MS,
      nodeReadyDelayMs: env.SIM_NODE_READY_DELAY_MS,
      kube: env.DEMO_KUBE,
      identityUrl: env.DEMO_IDENTITY_URL ?? `http://127.0.0.1:${env.SIM_PORT}/identity/v3`,
      kubeApiUrl: env.DEMO_KUBE_API_URL,
    },
    dataDir: env.DATA_DIR,
    pollIntervalMs: env.POLL_INTERVAL_MS,
    outputLineSeconds: env.OUTPUT_LINE_SECONDS,
    logLevel: env.LOG_LEVEL,
    clusterSecretKey: env.CLUSTER_SECRET_KEY,
  }));

/** Every variable the demo reads (the documentation's test checks against it). */
export const DEMO_VARIABLES: readonly string[] = Object.keys(schema.in.shape);

export type DemoConfig = z.output<typeof schema> & { path: string | undefined };

/** The one-command demo's configuration (the only place it reads its environment). */
export function loadDemoConfig(env: Record<string, string | undefined> = process.env): DemoConfig {
  return { ...parseConfig(schema, env), path: env.PATH };
}
