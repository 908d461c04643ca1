import { createRemoteJWKSet, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
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
  /**
   * Put before every SSO username (`sso:` makes `alice` the caller `sso:alice`), so that no token names a local
   * user. Must hold a character no local username can (see {@link isSeparatePrefix}).
   */
  usernamePrefix: string;
  /**
   * Accept only RFC 9068 access tokens (`typ: at+jwt`). Off, tokens typed `JWT` or untyped are accepted too,
   * unless they bear the marks of an ID token (see {@link idTokenMark}).
   */
  requireAtJwt: boolean;
  /** Longest lifetime (`exp - iat`) of a token accepted; 0: no maximum. With a maximum, `iat` is required. */
  maxTokenAgeSeconds: number;
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
/** RFC 9068 §2.1: the media type of JWT access tokens, with or without its `application/` part. */
const AT_JWT = /^(application\/)?at\+jwt$/i;
/** Claims only an ID token (OpenID Connect Core §2, §3.1.3.6, §3.3.2.11) carries, never an access token. */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'];
/** Characters of local usernames (the `users.username` check); a prefix needs one outside them. */
const LOCAL_USERNAME_CHARACTERS = /^[A-Za-z0-9._@-]*$/;
/** Prefixes the audit trail already uses for other actors (the admin CLI, login names that are no user). */
const RESERVED_PREFIXES = ['operator:', 'unknown:'];

/**
 * Whether SSO names with this prefix can never be a local username, nor another kind of actor of the audit
 * trail: printable, not empty, holding a character local usernames cannot (`:` for instance).
 */
export function isSeparatePrefix(prefix: string): boolean {
  return (
    /^[\x21-\x7e]{1,32}$/.test(prefix) &&
    !LOCAL_USERNAME_CHARACTERS.test(prefix) &&
    !RESERVED_PREFIXES.some((reserved) => reserved.startsWith(prefix) || prefix.startsWith(reserved))
  );
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies OpenID Connect access tokens (JWTs) with the provider's published keys: signature with an
 * allowed algorithm, `iss`, `aud`, `exp` and `nbf`; that it is an access token and not an ID token; its
 * lifetime and that it was not issued in the future. The caller is named `<usernamePrefix><name>`. The provider is found by discovery
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
    let header: JWTHeaderParameters;
    try {
      ({ payload, protectedHeader: header } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw classify(error);
    }
    const refusal = this.typeRefusal(header, payload) ?? this.timeRefusal(payload);
    if (refusal) throw new InvalidTokenError(refusal);
    const username = [payload.preferred_username, payload.sub].find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    );
    const named = username && `${this.options.usernamePrefix}${username}`;
    if (!named || !USERNAME.test(named)) throw new InvalidTokenError('no usable username claim');
    return {
      userId: `oidc:${payload.sub}`,
      username: named,
      method: 'bearer',
      grants: grantsFromGroups(claimAt(payload, this.options.groupsClaim), this.options.groupPrefix),
    };
  }

  /** Why the token is no access token (an ID token, a logout token, …), or undefined. */
  private typeRefusal(header: JWTHeaderParameters, payload: JWTPayload): string | undefined {
    const typ = header.typ;
    if (typ !== undefined && AT_JWT.test(typ)) return idTokenMark(payload);
    if (this.options.requireAtJwt) return 'not an access token (typ)';
    if (typ !== undefined && !/^JWT$/i.test(typ)) return 'not an access token (typ)';
    return idTokenMark(payload);
  }

  /** Why the token's times are unacceptable (`iat` in the future, a lifetime beyond the maximum), or undefined. */
  private timeRefusal(payload: JWTPayload): string | undefined {
    const { iat, exp } = payload;
    const max = this.options.maxTokenAgeSeconds;
    if (iat === undefined) return max > 0 ? 'no iat claim' : undefined;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'invalid iat claim';
    if (iat > Date.now() / 1000 + this.options.clockToleranceSeconds) return 'issued in the future';
    if (max > 0 && typeof exp === 'number' && exp - iat > max) return 'lifetime too long';
    return undefined;
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

/**
 * Why the claims are an ID token's, or undefined: an ID token carries a `nonce` or hashes of the codes and
 * tokens issued beside it, Keycloak types it `ID`, and its audience is the client it was issued to (`azp`).
 */
function idTokenMark(payload: JWTPayload): string | undefined {
  const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (
    ID_TOKEN_CLAIMS.some((claim) => payload[claim] !== undefined) ||
    payload.typ === 'ID' ||
    (typeof payload.azp === 'string' && audience.includes(payload.azp))
  ) {
    return 'ID token';
  }
  return undefined;
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
