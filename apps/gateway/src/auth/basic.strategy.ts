import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { BasicStrategy as PassportBasicStrategy } from 'passport-http';
import { CredentialVerifier, LoginThrottle, type Principal, TooManyLoginFailuresError } from '@oshift/access';
import { RequestAudit } from '../audit/request-audit';
import { basicCredentials } from './basic-credentials';

/**
 * HTTP Basic against the users in Postgres (passport-http), behind failed-login throttling: over the
 * limit an attempt is refused before its password is looked at; every failure is counted and audited.
 */
@Injectable()
export class BasicStrategy extends PassportStrategy(PassportBasicStrategy, 'basic') {
  constructor(
    private readonly verifier: CredentialVerifier,
    private readonly throttle: LoginThrottle,
    private readonly audit: RequestAudit,
  ) {
    super({ passReqToCallback: true });
  }

  /**
   * The warm path, synchronous: credentials verified within the cache's TTL, from a caller with no failed
   * logins in any window (known from memory), are admitted without the passport round (the cost of an
   * unauthenticated request, as the access issue asks). Anything else, callers with failures to clear or
   * throttled included, takes the full path, which answers, clears and audits.
   */
  warm(request: FastifyRequest): Principal | null {
    const credentials = basicCredentials(request.headers.authorization);
    if (!credentials) return null;
    const principal = this.verifier.cached(credentials.username, credentials.password);
    if (!principal || !this.throttle.knownClean(credentials.username, request.ip)) return null;
    return principal;
  }

  async validate(request: FastifyRequest): Promise<Principal | false> {
    // passport-http's own split loses colons in passwords: the header is read again the RFC 7617 way.
    const credentials = basicCredentials(request.headers.authorization);
    if (!credentials) return false;
    const { username, password } = credentials;
    const address = request.ip;
    const decision = await this.throttle.check(username, address);
    if (!decision.allowed) {
      if (await this.throttle.firstRefusal(decision)) {
        await this.audit.failedLogin(request, { method: 'basic', username, reason: 'throttled' });
      }
      throw new TooManyLoginFailuresError(decision.retryAfterSeconds);
    }

    const result = await this.verifier.check(username, password);
    if (result.ok) {
      if (decision.userAddressFailures > 0) await this.throttle.recordSuccess(username, address);
      return result.principal;
    }
    await this.throttle.recordFailure(username, address);
    await this.audit.failedLogin(request, { method: 'basic', username, reason: result.failure });
    return false;
  }
}
