import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { claimAt, grantsFromGroups } from './oidc-grants';
import { IdentityProviderUnavailableError, InvalidTokenError } from './oidc.errors';
import type { Principal } from './principal';

export interface OidcOptions {
  /** The provider's issuer identifier, exactly as its tokens' `iss` and its discovery document say it. */
  issuer: string;
  /** What the tokens' `aud` must contain: this API's identifier at the provider. */
  audience: string;
  /** JWS algorithms accepted (e.g. RS256, ES256); anything else, `none` above all, is refused. */
  algorithms: string[];
  /** Claim holding the caller's groups (a top-level name or a dotted path). */
  groupsClaim: string;
  /** Groups `<groupPrefix><cluster-id>:<role>` grant roles. */
  groupPrefix: string;
  /** Leeway for `exp`, `nbf` and `iat` against clock skew. */
  clockToleranceSeconds: number;
  /** After fetching the keys, how long a token with an unknown key id waits before the keys are fetched again. */
  jwksCooldownMs: number;
  /** How long keys are used before they are fetched again anyway. */
  jwksMaxAgeMs: number;
  /** Timeout of each request to the provider. */
  timeoutMs: number;
}

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.string().url() });
/** After a failed discovery, callers get 503 at once for this long instead of each asking the provider again. */
const DISCOVERY_RETRY_MS = 5000;
/** Codes of jose errors that mean "this token is bad", as opposed to "the provider is unreachable". */
const TOKEN_ERRORS: Record<string, string> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWT_INVALID: 'malformed',
  ERR_JWS_INVALID: 'malformed',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm not allowed',
  ERR_JOSE_NOT_SUPPORTED: 'algorithm not supported',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad signature',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown signing key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'ambiguous signing key',
  ERR_JWK_INVALID: 'unusable signing key',
};
const USERNAME = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies OpenID Connect access tokens (JWTs) with the provider's published keys: signature with an
 * allowed algorithm, `iss`, `aud`, `exp` and `nbf`. The provider is found by discovery
 * (`<issuer>/.well-known/openid-configuration`) on first use; its key set is cached and fetched again
 * when a token names a key it does not hold (key rotation), at most once per cooldown.
 */
export class OidcTokenVerifier {
  private keys?: Promise<KeySet>;
  private discoveryFailedAt = 0;

  constructor(private readonly options: OidcOptions) {}

  /** The caller the token speaks for; throws {@link InvalidTokenError} or {@link IdentityProviderUnavailableError}. */
  async verify(token: string): Promise<Principal> {
    const keys = await this.keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw classify(error);
    }
    const username = [payload.preferred_username, payload.sub].find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    );
    if (!username || !USERNAME.test(username)) throw new InvalidTokenError('no usable username claim');
    return {
      userId: `oidc:${payload.sub}`,
      username,
      method: 'bearer',
      grants: grantsFromGroups(claimAt(payload, this.options.groupsClaim), this.options.groupPrefix),
    };
  }

  private keySet(): Promise<KeySet> {
    if (!this.keys) {
      if (Date.now() - this.discoveryFailedAt < DISCOVERY_RETRY_MS) {
        return Promise.reject(new IdentityProviderUnavailableError('OpenID Connect discovery failed recently'));
      }
      this.keys = this.discover().catch((error: unknown) => {
        this.keys = undefined;
        this.discoveryFailedAt = Date.now();
        throw error;
      });
    }
    return this.keys;
  }

  private async discover(): Promise<KeySet> {
    const url = `${this.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
        headers: { accept: 'application/json' },
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      document = await response.json();
    } catch (error) {
      throw new IdentityProviderUnavailableError(`OpenID Connect discovery at ${url} failed: ${describe(error)}`);
    }
    const parsed = discoverySchema.safeParse(document);
    if (!parsed.success)
      throw new IdentityProviderUnavailableError(`${url} is not an OpenID Connect discovery document`);
    // OpenID Connect Discovery 1.0 §4.3: the document must name the very issuer it was fetched for.
    if (parsed.data.issuer !== this.options.issuer) {
      throw new IdentityProviderUnavailableError(
        `${url} names issuer ${parsed.data.issuer}, not ${this.options.issuer}`,
      );
    }
    return createRemoteJWKSet(new URL(parsed.data.jwks_uri), {
      timeoutDuration: this.options.timeoutMs,
      cooldownDuration: this.options.jwksCooldownMs,
      cacheMaxAge: this.options.jwksMaxAgeMs,
    });
  }
}

function classify(error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const claim = String((error as { claim?: unknown }).claim ?? 'claim');
    const reasons: Record<string, string> = { aud: 'wrong audience', iss: 'wrong issuer', nbf: 'not yet valid' };
    return new InvalidTokenError(reasons[claim] ?? `invalid ${claim} claim`);
  }
  if (typeof code === 'string' && TOKEN_ERRORS[code]) return new InvalidTokenError(TOKEN_ERRORS[code]);
  // Fetching the key set failed: a timeout, a refused connection, a non-200 answer, a key set that is none.
  const name = (error as { name?: unknown })?.name;
  if (
    ['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC'].includes(String(code)) ||
    (code === undefined && ['TypeError', 'AbortError', 'TimeoutError'].includes(String(name)))
  ) {
    return new IdentityProviderUnavailableError(`fetching the provider's keys failed: ${describe(error)}`);
  }
  return new InvalidTokenError('unverifiable');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
