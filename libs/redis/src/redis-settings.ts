import { z } from 'zod';
import { redisPrefix, redisUrl } from '@oshift/config';
import { deploymentPrefix, parseRedisAddresses, type RedisAddress, type RedisTarget } from './redis-target';

/** `host:port,host:port`: Sentinels or Cluster nodes. */
const addressList = z
  .string()
  .optional()
  .transform((value, ctx): RedisAddress[] | undefined => {
    if (value === undefined || value.trim() === '') return undefined;
    try {
      return parseRedisAddresses(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: `${(error as Error).message}, expected host:port,…`, input: value });
      return undefined;
    }
  });

const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value ? value : undefined));

/**
 * The Redis settings of a process that uses Redis (gateway, worker; the admin CLI with `required: false`).
 * One of `REDIS_URL`, `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES` names the Redis; without any, `REDIS_URL`'s
 * default. `REDIS_PREFIX` starts every key (a hash tag on a Cluster, see `deploymentPrefix`).
 */
export const redisEnvironment = {
  REDIS_URL: z
    .string()
    .optional()
    .transform((value) => (value ? value : undefined))
    .pipe(redisUrl.optional()),
  REDIS_SENTINELS: addressList,
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('mymaster'),
  REDIS_SENTINEL_PASSWORD: optionalSecret,
  REDIS_PASSWORD: optionalSecret,
  REDIS_CLUSTER_NODES: addressList,
  REDIS_PREFIX: redisPrefix('oshift'),
};

export interface RedisEnvironment {
  REDIS_URL?: string;
  REDIS_SENTINELS?: RedisAddress[];
  REDIS_SENTINEL_NAME: string;
  REDIS_SENTINEL_PASSWORD?: string;
  REDIS_PASSWORD?: string;
  REDIS_CLUSTER_NODES?: RedisAddress[];
  REDIS_PREFIX: string;
}

/** Where a process's Redis is and the prefix of the deployment's keys. */
export interface RedisSettings {
  target: RedisTarget;
  prefix: string;
}

/**
 * The grouped settings. Two ways to reach Redis at once is a configuration error naming both variables;
 * `defaultUrl` is used when none is set (undefined: Redis is optional and the result is undefined).
 */
export function redisSettings(env: RedisEnvironment, ctx: z.RefinementCtx, defaultUrl: string): RedisSettings;
export function redisSettings(
  env: RedisEnvironment,
  ctx: z.RefinementCtx,
  defaultUrl?: undefined,
): RedisSettings | undefined;
export function redisSettings(
  env: RedisEnvironment,
  ctx: z.RefinementCtx,
  defaultUrl?: string,
): RedisSettings | undefined {
  const given = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).filter(
    (name) => env[name] !== undefined,
  );
  if (given.length > 1) {
    ctx.issues.push({
      code: 'custom',
      message: `set only one of ${given.join(' and ')}: they name different ways to reach Redis`,
      path: [given[1]],
      input: '',
    });
  }
  let target: RedisTarget | undefined;
  if (env.REDIS_SENTINELS) {
    target = {
      kind: 'sentinel',
      sentinels: env.REDIS_SENTINELS,
      name: env.REDIS_SENTINEL_NAME,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
      password: env.REDIS_PASSWORD,
    };
  } else if (env.REDIS_CLUSTER_NODES) {
    target = { kind: 'cluster', nodes: env.REDIS_CLUSTER_NODES, password: env.REDIS_PASSWORD };
  } else if (env.REDIS_URL ?? defaultUrl) {
    target = { kind: 'standalone', url: withPassword(env.REDIS_URL ?? (defaultUrl as string), env.REDIS_PASSWORD) };
  }
  return target && { target, prefix: deploymentPrefix(env.REDIS_PREFIX, target) };
}

/** `REDIS_PASSWORD` into a URL without one (a password in the URL wins). */
function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const parsed = new URL(url);
  if (parsed.password) return url;
  parsed.password = password;
  return parsed.toString();
}
