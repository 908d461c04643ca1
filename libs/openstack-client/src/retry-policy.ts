/** Longest single backoff, whatever the attempt number. */
export const MAX_BACKOFF_MS = 10_000;
/** Longest wait a `Retry-After` header is allowed to impose before the next attempt. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^attempt)). `attempt` starts at 0. */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as milliseconds from `now` (delta-seconds or an HTTP date), capped; `undefined` when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

/** Statuses worth another attempt of an idempotent request. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Errors that prove the request never left this process: the connection itself could not be opened. */
const CONNECT_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * True when a fetch failure happened before anything was sent (connection refused, DNS failure, connect
 * timeout), so even a non-idempotent request can be sent again. Walks `cause` chains and `AggregateError`s
 * (Node's happy-eyeballs connect reports one error per address). Any other failure may have reached the server.
 */
export function isConnectFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return false;
    seen.add(value);
    const record = value as { code?: unknown; cause?: unknown; errors?: unknown; name?: unknown };
    if (record.name === 'TimeoutError' || record.name === 'AbortError') return false;
    if (typeof record.code === 'string' && CONNECT_FAILURE_CODES.has(record.code)) return true;
    if (Array.isArray(record.errors) && record.errors.length > 0 && record.errors.every(visit)) return true;
    return visit(record.cause);
  };
  return visit(error);
}

/** The most specific error code in a fetch failure chain (`ECONNRESET`, `UND_ERR_SOCKET`, ...), for logs. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const record = current as { code?: unknown; cause?: unknown };
    if (typeof record.code === 'string') return record.code;
    current = record.cause;
  }
  return undefined;
}
