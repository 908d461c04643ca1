/** A command could not do its job for a reason the operator can fix; printed as one line, exit status 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}
