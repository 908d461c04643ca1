import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import {
  clusterSecretEnvironment,
  clusterSecretGroup,
  flag,
  parseConfig,
  postgresUrl,
  withSecretVariables,
} from '@oshift/config';
import { redisEnvironment, redisSettings } from '@oshift/redis';
import { webhookAllowCidrs } from '@oshift/webhooks';

const schema = z
  .object({
    DATABASE_URL: postgresUrl,
    ...clusterSecretEnvironment,
    ...redisEnvironment,
    WEBHOOK_ALLOW_LOOPBACK: flag(false),
    WEBHOOK_ALLOW_CIDRS: webhookAllowCidrs,
    ADMIN_ACTOR: z
      .string()
      .trim()
      .regex(/^[\x20-\x7e]{1,200}$/, 'must be 1 to 200 printable characters'),
  })
  .transform((env, ctx) => ({
    database: { url: env.DATABASE_URL },
    /** Where cluster secrets may come from, as on the gateways and workers (`cluster check`). */
    secrets: clusterSecretGroup(env),
    /** Who the audit trail says made each change. */
    actor: env.ADMIN_ACTOR,
    /** Where to tell the gateways that a user's access changed; unset, they notice within their cache TTL. */
    redis: redisSettings(env, ctx),
    /** Webhooks to loopback addresses (http:// included) may be added: demos and tests only. */
    webhookAllowLoopback: env.WEBHOOK_ALLOW_LOOPBACK,
    /** Internal ranges where webhooks may be added (https:// only); never loopback, link-local or metadata. */
    webhookAllowCidrs: env.WEBHOOK_ALLOW_CIDRS,
  }));

/** Every variable the admin reads (the documentation's test checks against it). */
export const ADMIN_VARIABLES: readonly string[] = Object.keys(schema.in.shape);

export type AdminConfig = Omit<z.output<typeof schema>, 'secrets'> & {
  /** Where the audit trail says each change came from. */
  source: string;
  /** Where cluster secrets may come from, with the variables `env:` references may name (`cluster check`). */
  secrets: ReturnType<typeof clusterSecretGroup> & { env: Readonly<Record<string, string | undefined>> };
};

/** The admin CLI's configuration, from its environment (the only place the CLI reads it). */
export function loadAdminConfig(env: Record<string, string | undefined> = process.env): AdminConfig {
  const config = parseConfig(schema, { ...env, ADMIN_ACTOR: env.ADMIN_ACTOR || `operator:${operatingSystemUser()}` });
  return { ...config, source: `cli:${hostname()}`, secrets: withSecretVariables(config.secrets, env) };
}

function operatingSystemUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): still an operator, just unnamed.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
