/**
 * A cluster's Kubernetes API could not be asked: unreachable, too slow, refusing the token (401/403), answering
 * 5xx, or its token reference unreadable. The message is fit for a job's output and an operator: it names what
 * failed, never the token, the token's reference or the API's URL.
 */
export class ClusterApiUnavailableError extends Error {
  override readonly name = 'ClusterApiUnavailableError';
  constructor(
    message: string,
    /** The HTTP status the API answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}
