import {
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  backoffDelayMs,
  isConnectFailure,
  isRetryableStatus,
  parseRetryAfterMs,
} from './retry-policy';

describe('backoffDelayMs (full jitter)', () => {
  it('stays within [0, base * 2^attempt) and under the cap', () => {
    expect(backoffDelayMs(0, 200, () => 0)).toBe(0);
    expect(backoffDelayMs(0, 200, () => 0.999)).toBe(199);
    expect(backoffDelayMs(3, 200, () => 0.5)).toBe(800);
    expect(backoffDelayMs(30, 200, () => 0.999)).toBeLessThan(MAX_BACKOFF_MS);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  it('reads delta-seconds and HTTP dates, capped', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('86400', now)).toBe(MAX_RETRY_AFTER_MS);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('isRetryableStatus', () => {
  it('retries 5xx (not 501) and 429 only', () => {
    expect([500, 502, 503, 504, 429].every(isRetryableStatus)).toBe(true);
    expect([200, 202, 400, 401, 404, 409, 501].some(isRetryableStatus)).toBe(false);
  });
});

describe('isConnectFailure', () => {
  const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
  it('recognises refused, unresolvable and connect-timeout failures through cause chains', () => {
    expect(isConnectFailure(fetchFailed(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })))).toBe(true);
    expect(isConnectFailure(fetchFailed(Object.assign(new Error('dns'), { code: 'ENOTFOUND' })))).toBe(true);
    expect(isConnectFailure(fetchFailed(Object.assign(new Error('t'), { code: 'UND_ERR_CONNECT_TIMEOUT' })))).toBe(
      true,
    );
    const everyAddressRefused = new AggregateError([
      Object.assign(new Error('v6'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('v4'), { code: 'ECONNREFUSED' }),
    ]);
    expect(isConnectFailure(fetchFailed(everyAddressRefused))).toBe(true);
  });
  it('treats resets, closed sockets and timeouts as possibly sent', () => {
    expect(isConnectFailure(fetchFailed(Object.assign(new Error('reset'), { code: 'ECONNRESET' })))).toBe(false);
    expect(
      isConnectFailure(fetchFailed(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))),
    ).toBe(false);
    expect(isConnectFailure(new DOMException('timed out', 'TimeoutError'))).toBe(false);
    expect(isConnectFailure(undefined)).toBe(false);
  });
});
