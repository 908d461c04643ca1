import type { VerificationLimits } from './verification-queue';

/** Injection token of {@link AccessOptions}. */
export const ACCESS_OPTIONS = Symbol('ACCESS_OPTIONS');

/** What a process that authenticates callers tells the access lib. */
export interface AccessOptions {
  /** How long a verified credential is trusted without verifying its hash again. */
  credentialCacheTtlMs: number;
  credentialCacheMaxEntries: number;
  /** The bounded queue of password verifications (see {@link VerificationQueue}). */
  passwordVerification: VerificationLimits;
}
