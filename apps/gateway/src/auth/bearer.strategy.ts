import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import {
  InvalidTokenError,
  LoginThrottle,
  OidcTokenVerifier,
  type Principal,
  TooManyLoginFailuresError,
} from '@oshift/access';
import { RequestAudit } from '../audit/request-audit';

type Verify = (
  request: FastifyRequest,
  token: string,
  done: (error: unknown, principal?: Principal | false) => void,
) => void;

/** RFC 6750 §2.1: `Authorization: Bearer <b64token>`. Tokens anywhere else (query, body) are not read. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The `token` of `Authorization: Bearer <token>`, or undefined when the request carries none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? BEARER.exec(authorization)?.[1] : undefined;
}

/** A passport strategy for `Authorization: Bearer` (no package for so little, and none reading only the header). */
class BearerTokenStrategy extends passport.Strategy {
  override name = 'bearer';

  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: { headers: { authorization?: string } }): void {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return this.fail('Bearer', 401);
    this.verify(request as FastifyRequest, token, (error, principal) => {
      if (error) return this.error(error as Error);
      if (!principal) return this.fail('Bearer error="invalid_token"', 401);
      this.success(principal);
    });
  }
}

/**
 * SSO: an OpenID Connect access token in `Authorization: Bearer`, verified against the provider's keys
 * (see {@link OidcTokenVerifier}). Failures are counted against the client address and audited.
 * Without `OIDC_ISSUER` every bearer token is refused.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(BearerTokenStrategy, 'bearer') {
  constructor(
    @Inject(OidcTokenVerifier) private readonly oidc: OidcTokenVerifier | null,
    private readonly throttle: LoginThrottle,
    private readonly audit: RequestAudit,
  ) {
    super();
  }

  async validate(request: FastifyRequest, token: string): Promise<Principal | false> {
    if (!this.oidc) return false;
    const address = request.ip;
    const decision = await this.throttle.check(null, address);
    if (!decision.allowed) {
      if (await this.throttle.firstRefusal(decision)) {
        await this.audit.failedLogin(request, { method: 'bearer', username: null, reason: 'throttled' });
      }
      throw new TooManyLoginFailuresError(decision.retryAfterSeconds);
    }
    try {
      return await this.oidc.verify(token);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      await this.throttle.recordFailure(null, address);
      await this.audit.failedLogin(request, { method: 'bearer', username: null, reason: error.reason });
      return false;
    }
  }
}
