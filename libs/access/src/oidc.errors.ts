/** A bearer token was refused; `reason` is for the audit trail and logs, never the token itself. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(readonly reason: string) {
    super(`invalid bearer token: ${reason}`);
  }
}

/** The OpenID Connect provider (discovery document or keys) could not be reached: try again later. */
export class IdentityProviderUnavailableError extends Error {
  override readonly name = 'IdentityProviderUnavailableError';
}
