import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { flag, positiveInt } from '@oshift/config';
import { isSeparatePrefix, type OidcOptions, type VerificationLimits } from '@oshift/access';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An OpenID Connect issuer: https, or http on the loopback interface only (tests, a local provider). */
const issuerUrl = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  }, 'must be an https URL (http only on 127.0.0.1 or localhost)');

/**
 * `TRUST_PROXY`: whether the client address comes from `X-Forwarded-For`. `false` (default) uses the
 * TCP peer; `true` trusts every proxy; a number trusts that many hops; a comma-separated list trusts
 * those proxy addresses or CIDR ranges (Fastify's `trustProxy`).
 */
const trustProxy = z
  .string()
  .optional()
  .transform((value, ctx): boolean | string[] | ((address: string, hop: number) => boolean) => {
    const text = (value ?? '').trim();
    if (text === '' || /^(false|0|no)$/i.test(text)) return false;
    if (/^(true|yes)$/i.test(text)) return true;
    if (/^[1-9]\d?$/.test(text)) {
      const hops = Number(text);
      return (_address, hop) => hop < hops;
    }
    const entries = text.split(',').map((entry) => entry.trim());
    if (entries.every((entry) => isIP(entry.replace(/\/\d{1,3}$/, '')) !== 0)) return entries;
    ctx.issues.push({ code: 'custom', message: 'false, true, a hop count, or proxy addresses/CIDRs', input: value });
    return z.NEVER;
  });

/** The environment variables of authentication, merged into the gateway's one config schema. */
export const authEnvironment = {
  TRUST_PROXY: trustProxy,
  LOGIN_FAILURE_WINDOW_SECONDS: positiveInt(300),
  LOGIN_FAILURES_PER_USER_ADDRESS: positiveInt(10),
  LOGIN_FAILURES_PER_ADDRESS: positiveInt(50),
  // argon2 is CPU work: one core stays free for the event loop, which serves every already-verified caller.
  LOGIN_VERIFY_CONCURRENCY: positiveInt(Math.max(1, Math.min(4, availableParallelism() - 1))),
  LOGIN_VERIFY_QUEUE: z.coerce.number().int().min(0).default(8),
  LOGIN_VERIFY_WAIT_MS: positiveInt(1000),
  OIDC_ISSUER: issuerUrl.optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_ALGORITHMS: z
    .string()
    .default('RS256,ES256')
    .transform((value) => value.split(',').map((alg) => alg.trim()))
    .refine(
      (algs) => algs.length > 0 && algs.every((alg) => /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg)),
      'comma-separated asymmetric JWS algorithms (RS256, PS256, ES256, EdDSA, …)',
    ),
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  OIDC_GROUP_PREFIX: z.string().default('oshift:'),
  OIDC_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  // An empty prefix, or one a local username could hold, would let a token act as a local user.
  OIDC_USERNAME_PREFIX: z
    .string()
    .default('sso:')
    .refine(isSeparatePrefix, 'printable, holding a character no local username can (e.g. `sso:`)'),
  OIDC_REQUIRE_AT_JWT: flag(true),
  OIDC_MAX_TOKEN_AGE_SECONDS: z.coerce.number().int().min(0).default(86400),
  OIDC_JWKS_COOLDOWN_SECONDS: z.coerce.number().int().min(0).default(30),
  OIDC_TIMEOUT_MS: positiveInt(5000),
};

type AuthEnvironment = z.output<z.ZodObject<typeof authEnvironment>>;

export interface AuthSettings {
  /** Fastify's `trustProxy`: who may set the client address by `X-Forwarded-For`. */
  trustProxy: boolean | string[] | ((address: string, hop: number) => boolean);
  loginThrottle: { windowMs: number; maxPerUserAddress: number; maxPerAddress: number };
  /** The bounded queue of password verifications. */
  passwordVerification: VerificationLimits;
  /** SSO bearer tokens; absent when `OIDC_ISSUER` is unset. */
  oidc?: OidcOptions;
}

/** The grouped authentication settings; reports `OIDC_AUDIENCE` missing when `OIDC_ISSUER` is set. */
export function authSettings(env: AuthEnvironment, ctx: z.RefinementCtx): AuthSettings {
  if (env.OIDC_ISSUER && !env.OIDC_AUDIENCE) {
    ctx.issues.push({
      code: 'custom',
      message: 'required when OIDC_ISSUER is set',
      path: ['OIDC_AUDIENCE'],
      input: '',
    });
  }
  return {
    trustProxy: env.TRUST_PROXY,
    loginThrottle: {
      windowMs: env.LOGIN_FAILURE_WINDOW_SECONDS * 1000,
      maxPerUserAddress: env.LOGIN_FAILURES_PER_USER_ADDRESS,
      maxPerAddress: env.LOGIN_FAILURES_PER_ADDRESS,
    },
    passwordVerification: {
      concurrency: env.LOGIN_VERIFY_CONCURRENCY,
      maxWaiting: env.LOGIN_VERIFY_QUEUE,
      maxWaitMs: env.LOGIN_VERIFY_WAIT_MS,
    },
    oidc:
      env.OIDC_ISSUER && env.OIDC_AUDIENCE
        ? {
            issuer: env.OIDC_ISSUER,
            audience: env.OIDC_AUDIENCE,
            algorithms: env.OIDC_ALGORITHMS,
            groupsClaim: env.OIDC_GROUPS_CLAIM,
            groupPrefix: env.OIDC_GROUP_PREFIX,
            clockToleranceSeconds: env.OIDC_CLOCK_TOLERANCE_SECONDS,
            usernamePrefix: env.OIDC_USERNAME_PREFIX,
            requireAtJwt: env.OIDC_REQUIRE_AT_JWT,
            maxTokenAgeSeconds: env.OIDC_MAX_TOKEN_AGE_SECONDS,
            jwksCooldownMs: env.OIDC_JWKS_COOLDOWN_SECONDS * 1000,
            jwksMaxAgeMs: 10 * 60 * 1000,
            timeoutMs: env.OIDC_TIMEOUT_MS,
          }
        : undefined,
  };
}
