/**
 * Errors the gateway's own layers throw about a request (its input, its caller, the process); the domain
 * libs throw the rest. `error-answers.ts` turns each into its HTTP answer.
 */

/** The exact bytes the reference gives for an unknown node or a missing reboot role. */
export const NODE_NOT_FOUND = 'Node Not found';
/** What anything the caller may not see answers: unknown cluster, cluster not granted, unknown route. */
export const NOT_FOUND = 'Not Found';

/** The text of a query parameter the route does not read: its name when printable, else just that. */
export function unknownParameter(name: string): string {
  return /^[\x21-\x7e]{1,64}$/.test(name) ? `unknown parameter ${name}` : 'unknown parameter';
}

/** The request's input is not what the route takes; `message` says why, for the caller. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/** No or wrong credentials. */
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
  constructor(
    /** The `WWW-Authenticate` value for the scheme the caller tried (Basic, or why a bearer token failed). */
    readonly challenge: string,
  ) {
    super('Unauthorized');
  }
}

/**
 * The caller may not do this here. It answers as a 404 whose text (`message`) is what something that does
 * not exist answers, so a caller cannot tell a refusal from absence.
 */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
}

/** The process cannot take traffic (it is shutting down): `/readyz` says why, and how its dependencies are. */
export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
  constructor(
    readonly checks: Record<string, 'up' | 'down'>,
    readonly reason: string,
  ) {
    super('Not ready');
  }
}
