/** A caller (or the whole gateway) follows as many event streams as allowed: try again in `retryAfterSeconds`. */
export class StreamLimitError extends Error {
  override readonly name = 'StreamLimitError';
  readonly retryAfterSeconds = 5;
  constructor(readonly scope: 'user' | 'process') {
    super(
      scope === 'user' ? 'Too many event streams open for this user' : 'Too many event streams open, try again later',
    );
  }
}
