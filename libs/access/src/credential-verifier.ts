import { Inject, Injectable } from '@nestjs/common';
import { AccessRepository } from './access.repository';
import { CredentialCache } from './credential-cache';
import { PasswordHasher } from './password-hasher';
import type { Principal } from './principal';

export const ACCESS_OPTIONS = Symbol('ACCESS_OPTIONS');

export interface AccessOptions {
  /** How long a verified credential is trusted without verifying its hash again. */
  credentialCacheTtlMs: number;
  credentialCacheMaxEntries: number;
}

/** Checks a username and password against the users in Postgres. */
@Injectable()
export class CredentialVerifier {
  private readonly cache: CredentialCache;

  constructor(
    private readonly repository: AccessRepository,
    private readonly hasher: PasswordHasher,
    @Inject(ACCESS_OPTIONS) options: AccessOptions,
  ) {
    this.cache = new CredentialCache(options.credentialCacheTtlMs, options.credentialCacheMaxEntries);
  }

  /**
   * The principal for these credentials, or null. Unknown user, disabled user and wrong password
   * all give null after one argon2 verification, so they take about the same time.
   */
  async verify(username: string, password: string): Promise<Principal | null> {
    const key = this.cache.key(username, password);
    const cached = this.cache.get(key);
    if (cached) return cached;

    const user = await this.repository.findUserByUsername(username);
    const valid = await this.hasher.verify(user?.passwordHash ?? null, password);
    if (!user || !valid || user.disabled) return null;

    const principal: Principal = {
      userId: user.id,
      username: user.username,
      method: 'basic',
      grants: await this.repository.grantsOf(user.id),
    };
    this.cache.set(key, principal);
    return principal;
  }

  /** Drops cached credentials of a user whose password, roles or status changed. */
  forgetUser(userId: string): void {
    this.cache.forgetUser(userId);
  }
}
