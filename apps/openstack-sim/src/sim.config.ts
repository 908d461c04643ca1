import { z } from 'zod';
import { flag, httpUrl, parseConfig, port } from '@oshift/config';
import { NOVA_TASK_STATES, type SimKnobs } from '@oshift/openstack-sim';

const millis = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number of milliseconds` })
    .int()
    .min(0);
const share = z.coerce.number().min(0).max(1);
/** A comma-separated list (of server names, or of `name=task_state` pairs). */
const list = z
  .string()
  .default('')
  .transform((raw) =>
    raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
/** `name=task_state` pairs, comma-separated (e.g. `worker-1.openstacklocal=migrating`). */
const heldTasks = list.pipe(
  z.array(
    z
      .string()
      .regex(/^[^=]+=[^=]+$/, 'expected name=task_state pairs')
      .transform((pair) => pair.split('=') as [string, string])
      .pipe(z.tuple([z.string(), z.enum(NOVA_TASK_STATES)])),
  ),
);

const schema = z
  .object({
    SIM_HOST: z.string().min(1).default('127.0.0.1'),
    SIM_PORT: port(5005),
    SIM_KUBE_PORT: port(6443),
    SIM_PUBLIC_URL: httpUrl.optional(),
    SIM_REGION: z.string().min(1).default('RegionOne'),
    SIM_REBOOT_DURATION_MS: millis('SIM_REBOOT_DURATION_MS').default(3000),
    SIM_REBOOT_HANGS: flag(false),
    SIM_REBOOT_ENDS_IN: z.enum(['ACTIVE', 'ERROR', 'SHUTOFF']).default('ACTIVE'),
    SIM_LATENCY_MS: millis('SIM_LATENCY_MS').default(0),
    SIM_ERROR_RATE: share.default(0),
    SIM_DROP_RATE: share.default(0),
    SIM_TOKEN_TTL_SECONDS: z.coerce.number().positive().default(3600),
    SIM_SOFT_ESCALATES_TO_HARD_AFTER_MS: millis('SIM_SOFT_ESCALATES_TO_HARD_AFTER_MS').optional(),
    SIM_PAGE_SIZE_MAX: z.coerce.number().int().min(1).default(1000),
    SIM_POWER_ACTION_DURATION_MS: millis('SIM_POWER_ACTION_DURATION_MS').default(1000),
    SIM_SNAPSHOT_DURATION_MS: millis('SIM_SNAPSHOT_DURATION_MS').default(5000),
    SIM_ACTION_DELAY_MS: millis('SIM_ACTION_DELAY_MS').default(0),
    SIM_NODE_READY_DELAY_MS: millis('SIM_NODE_READY_DELAY_MS').default(2000),
    SIM_POD_TERMINATION_MS: millis('SIM_POD_TERMINATION_MS').default(1000),
    SIM_KUBE_UNREACHABLE: flag(false),
    SIM_LOCKED_SERVERS: list,
    SIM_HELD_TASK_STATES: heldTasks,
    SIM_FLEET_CLUSTERS: z.coerce.number().int().min(0).max(10_000).default(0),
    SIM_FLEET_WORKERS: z.coerce.number().int().min(0).max(1000).default(3),
  })
  .transform((env) => ({
    http: { host: env.SIM_HOST, port: env.SIM_PORT, publicUrl: env.SIM_PUBLIC_URL, kubePort: env.SIM_KUBE_PORT },
    region: env.SIM_REGION,
    fleet: { clusters: env.SIM_FLEET_CLUSTERS, workers: env.SIM_FLEET_WORKERS },
    faults: { lockedServers: env.SIM_LOCKED_SERVERS, heldTaskStates: env.SIM_HELD_TASK_STATES },
    knobs: {
      rebootDurationMs: env.SIM_REBOOT_DURATION_MS,
      rebootHangs: env.SIM_REBOOT_HANGS,
      rebootEndsIn: env.SIM_REBOOT_ENDS_IN,
      latencyMs: env.SIM_LATENCY_MS,
      errorRate: env.SIM_ERROR_RATE,
      dropRate: env.SIM_DROP_RATE,
      tokenTtlSeconds: env.SIM_TOKEN_TTL_SECONDS,
      softEscalatesToHardAfterMs: env.SIM_SOFT_ESCALATES_TO_HARD_AFTER_MS ?? null,
      pageSizeMax: env.SIM_PAGE_SIZE_MAX,
      powerActionDurationMs: env.SIM_POWER_ACTION_DURATION_MS,
      snapshotDurationMs: env.SIM_SNAPSHOT_DURATION_MS,
      actionDelayMs: env.SIM_ACTION_DELAY_MS,
      nodeReadyDelayMs: env.SIM_NODE_READY_DELAY_MS,
      podTerminationMs: env.SIM_POD_TERMINATION_MS,
      kubeUnreachable: env.SIM_KUBE_UNREACHABLE,
    } satisfies Partial<SimKnobs>,
  }));

/** The simulator process's configuration. */
/** Every variable the simulator reads (the documentation's test checks against it). */
export const SIM_VARIABLES: readonly string[] = Object.keys(schema.in.shape);

export type SimConfig = z.output<typeof schema>;

/** Reads and validates the simulator's environment (the only place this process reads it). */
export function loadSimConfig(env: Record<string, string | undefined> = process.env): SimConfig {
  return parseConfig(schema, env);
}
