/** Everything that can go wrong talking to OpenStack, with what a caller needs to decide what to do next. */
export class OpenStackError extends Error {
  override readonly name = 'OpenStackError';

  constructor(
    message: string,
    /** HTTP status of the answer; 0 when there was none (network failure or timeout). */
    readonly status: number,
    /**
     * Nova fault name (`itemNotFound`, `conflictingRequest`, `computeFault`, ...), or one of
     * `timeout`, `network`, `unauthorized`, `noComputeEndpoint`, `invalidCredentials`, `invalidResponse`.
     */
    readonly code: string,
    /** `x-openstack-request-id` / `x-compute-request-id` of the answer, when there was one. */
    readonly requestId?: string,
    options?: { cause?: unknown; novaFault?: boolean },
  ) {
    super(message, options);
    this.novaFault = options?.novaFault ?? false;
  }

  /**
   * The answer's body was Nova's own fault (`{"computeFault": {…}}`, `{"conflictingRequest": {…}}`, …): Nova itself
   * answered. False for anything else (a proxy's HTML page, an empty body, Keystone's `{"error": …}`).
   */
  readonly novaFault: boolean;
}
