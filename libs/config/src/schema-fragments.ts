import { z } from 'zod';

/** A TCP port (0 lets the OS choose). */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A positive integer with a default, from an environment string. */
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A boolean written as true/false/1/0/yes/no. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

/** A postgres:// URL. */
export const postgresUrl = z
  .string()
  .url()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL');

/** A redis:// URL. */
export const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL');

/** A Redis key prefix (`REDIS_PREFIX`): every key and channel of a deployment starts with it. */
export const redisPrefix = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default(fallback);

/** An http(s) URL without a trailing slash, in ASCII (it goes into headers and bodies byte for byte). */
export const httpUrl = z
  .string()
  .regex(/^[\x21-\x7e]+$/, 'must be ASCII without spaces (punycode the host, percent-encode the path)')
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info');

/** `CLUSTER_SECRET_KEY`: the key of sealed (`enc:`) secrets, 32 bytes in base64; unset or empty is none. */
export const clusterSecretKey = z
  .string()
  .optional()
  .transform((value) => (value ? value : undefined))
  .refine(
    (value) =>
      value === undefined || (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32),
    'must be 32 bytes, base64',
  );

/**
 * Where cluster secrets may come from (gateway and worker): `env:` names only variables with this prefix, and
 * `file:` only files inside this folder, so whoever can write the clusters table cannot have any other
 * variable or file of the process sent to an `auth_url` of their choosing.
 */
export const clusterSecretEnvironment = {
  CLUSTER_SECRET_KEY: clusterSecretKey,
  /** The key before a rotation: still opens sealed secrets until `secrets reseal` has sealed them again. */
  CLUSTER_SECRET_KEY_PREVIOUS: clusterSecretKey,
  /** Refuse `enc:v1:` secrets, which are bound to no row (set once `secrets reseal` has run). */
  SEALED_SECRETS_REQUIRE_BOUND: flag(false),
  CLUSTER_SECRET_ENV_PREFIX: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*_$/, 'must be upper case and end with _')
    .default('OSHIFT_SECRET_'),
  CLUSTER_SECRET_DIR: z.string().startsWith('/', 'must be an absolute path').default('/run/secrets'),
};

/** The cluster-secret settings of a parsed environment (the `secrets` group of a gateway or worker config). */
export function clusterSecretGroup(env: {
  CLUSTER_SECRET_KEY?: string;
  CLUSTER_SECRET_KEY_PREVIOUS?: string;
  SEALED_SECRETS_REQUIRE_BOUND: boolean;
  CLUSTER_SECRET_ENV_PREFIX: string;
  CLUSTER_SECRET_DIR: string;
}) {
  return {
    encryptionKey: env.CLUSTER_SECRET_KEY,
    previousKey: env.CLUSTER_SECRET_KEY_PREVIOUS,
    requireBound: env.SEALED_SECRETS_REQUIRE_BOUND,
    envPrefix: env.CLUSTER_SECRET_ENV_PREFIX,
    fileDir: env.CLUSTER_SECRET_DIR,
  };
}

/** Adds to a secrets group the variables of the process its `env:` references may name (and only those). */
export function withSecretVariables<G extends { envPrefix: string }>(
  group: G,
  env: Record<string, string | undefined>,
): G & { env: Readonly<Record<string, string | undefined>> } {
  return {
    ...group,
    env: Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith(group.envPrefix))),
  };
}

/**
 * `BUILD_REVISION`: the commit a process was built from (the image sets it from its build argument, empty when the
 * build was given none), for `oshift_build_info`; unset or empty is `unknown`.
 */
export const buildRevision = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .string()
    .regex(/^[\w.+-]{1,64}$/, 'must be a commit id or tag (letters, digits, . _ + -)')
    .default('unknown'),
);
