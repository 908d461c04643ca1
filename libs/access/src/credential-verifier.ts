import { Inject, Injectable } from '@nestjs/common';
import { AccessRepository } from './access.repository';
import { CredentialCache } from './credential-cache';
import { PasswordHasher } from './password-hasher';
import type { Principal } from './principal';
import { ACCESS_OPTIONS, type AccessOptions } from './access.options';
import { VerificationQueue } from './verification-queue';

/** Why a username and password were refused: for the audit trail only, never for the caller. */
export type CredentialFailure = 'unknown user' | 'wrong password' | 'disabled';

/** The outcome of checking a username and password. */
export type CredentialCheck = { ok: true; principal: Principal } | { ok: false; failure: CredentialFailure };

/** Checks a username and password against the users in Postgres. */
@Injectable()
export class CredentialVerifier {
  private readonly cache: CredentialCache;
  private readonly queue: VerificationQueue;
  /** Verifications under way, by credential key: the same credentials sent at once are verified once. */
  private readonly verifying = new Map<string, Promise<CredentialCheck>>();
  /** Bumped by every invalidation: a check that began before one must not cache what it read. */
  private epoch = 0;

  constructor(
    private readonly repository: AccessRepository,
    private readonly hasher: PasswordHasher,
    @Inject(ACCESS_OPTIONS) options: AccessOptions,
  ) {
    this.cache = new CredentialCache(options.credentialCacheTtlMs, options.credentialCacheMaxEntries);
    this.queue = new VerificationQueue(options.passwordVerification);
  }

  /** The principal for these credentials, or null (see {@link check}). */
  async verify(username: string, password: string): Promise<Principal | null> {
    const result = await this.check(username, password);
    return result.ok ? result.principal : null;
  }

  /** The principal of credentials verified within the cache's TTL, without touching Postgres or argon2. */
  cached(username: string, password: string): Principal | undefined {
    return this.cache.get(this.cache.key(username, password));
  }

  /**
   * Checks the credentials. Unknown user, disabled user and wrong password are all refused after one
   * argon2 verification (of a dummy hash when the user does not exist), so they take about the same time.
   * Credentials verified within the cache's TTL answer at once; the others take their turn in the bounded
   * verification queue, and throw {@link SignInBusyError} when it is full or their turn does not come in time.
   * Requests that carry the same credentials while they are being verified share that one verification, so a
   * script sending fifty requests at once with a password not yet cached takes one place in the queue, not fifty.
   */
  async check(username: string, password: string): Promise<CredentialCheck> {
    const key = this.cache.key(username, password);
    const cached = this.cache.get(key);
    if (cached) return { ok: true, principal: cached };
    const underway = this.verifying.get(key);
    if (underway) return underway;
    const verification = this.queue
      .run(() => this.checkUncached(key, username, password))
      .finally(() => this.verifying.delete(key));
    this.verifying.set(key, verification);
    return verification;
  }

  private async checkUncached(key: string, username: string, password: string): Promise<CredentialCheck> {
    const epoch = this.epoch;
    // No account name holds a NUL byte, and Postgres refuses one in text: such a name is an unknown user.
    const user = username.includes('\u0000') ? null : await this.repository.findUserByUsername(username);
    const valid = await this.hasher.verify(user?.passwordHash ?? null, password);
    if (!user) return { ok: false, failure: 'unknown user' };
    if (!valid) return { ok: false, failure: 'wrong password' };
    if (user.disabled) return { ok: false, failure: 'disabled' };

    const principal: Principal = {
      userId: user.id,
      username: user.username,
      method: 'basic',
      grants: await this.repository.grantsOf(user.id),
    };
    // A change committed while we read would otherwise be cached for a whole TTL.
    if (epoch === this.epoch) this.cache.set(key, principal);
    return { ok: true, principal };
  }

  /** Drops cached credentials of a user whose password, roles or status changed. */
  forgetUser(userId: string): void {
    this.epoch += 1;
    this.cache.forgetUser(userId);
  }

  /** Drops every cached credential (changes may have been missed). */
  forgetAll(): void {
    this.epoch += 1;
    this.cache.clear();
  }
}
