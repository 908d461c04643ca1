import { OpenStackError } from './openstack.errors';
import type { ResolvedClientOptions } from './openstack.options';
import {
  backoffDelayMs,
  isConnectFailure,
  isRetryableStatus,
  networkErrorCode,
  parseRetryAfterMs,
} from './retry-policy';

/** One HTTP exchange with OpenStack. */
export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  /** Sent as-is and never logged (they carry the token). */
  headers?: Record<string, string>;
  /** Serialised as JSON. Never logged (it may carry a password). */
  json?: unknown;
  /**
   * True when resending is harmless (reads, token issuance): retried on network errors, timeouts, 5xx and 429.
   * False (e.g. a reboot): resent only when the connection could not even be opened.
   */
  idempotent: boolean;
  /** Short name for logs and errors, e.g. `nova.getServer`. */
  operation: string;
  /** Extra attempts for this request instead of the client's `retries` (0: sent once). */
  retries?: number;
}

/** An answer, whatever its status; the body is parsed JSON when it is JSON, else text (or undefined when empty). */
export interface TransportResponse {
  status: number;
  headers: Headers;
  body: unknown;
  requestId?: string;
}

/** Injection points for tests: time and chance. */
export interface TransportHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  fetch?: typeof fetch;
  /**
   * Awaited before each attempt, before its timeout starts (the per-cluster call ceiling): waiting for a
   * turn never eats the request's own time.
   */
  beforeSend?: () => Promise<void>;
}

/** `x-openstack-request-id`, else `x-compute-request-id`, of an answer. */
export function requestIdOf(headers: Pick<Headers, 'get'>): string | undefined {
  return headers.get('x-openstack-request-id') ?? headers.get('x-compute-request-id') ?? undefined;
}

/** The URL as it may appear in logs and errors: no user info, no query values beyond `marker`/`limit`. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    for (const key of [...url.searchParams.keys()]) {
      if (key !== 'marker' && key !== 'limit') url.searchParams.set(key, '…');
    }
    return url.toString();
  } catch {
    return '<invalid url>';
  }
}

/**
 * Sends requests with a timeout on every attempt (connect, headers and body), retries what is safe to retry
 * with exponential backoff and full jitter (honouring `Retry-After`), and turns transport failures into
 * {@link OpenStackError}s (`timeout` / `network`, status 0). HTTP error answers are returned, not thrown.
 */
export class HttpTransport {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly beforeSend: () => Promise<void>;

  constructor(
    private readonly options: ResolvedClientOptions,
    hooks: TransportHooks = {},
  ) {
    this.sleep = hooks.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = hooks.random ?? Math.random;
    this.now = hooks.now ?? Date.now;
    this.fetchImpl = hooks.fetch ?? ((input, init) => fetch(input, init));
    this.beforeSend = hooks.beforeSend ?? (async () => undefined);
  }

  /** Sends `request`, retrying per its `idempotent` flag, and returns the final answer. */
  async send(request: TransportRequest): Promise<TransportResponse> {
    const { logger } = this.options;
    const retries = request.retries ?? this.options.retries;
    for (let attempt = 0; ; attempt++) {
      let response: TransportResponse;
      await this.beforeSend();
      const startedAt = this.now();
      try {
        response = await this.once(request);
        this.report(request, startedAt, response.status);
      } catch (error) {
        const failure = this.toError(request, error);
        this.report(request, startedAt, 0, failure.code === 'timeout' ? 'timeout' : 'network');
        const resendable = request.idempotent || isConnectFailure(error);
        if (!resendable || attempt >= retries) {
          logger?.warn(
            'openstack request failed',
            this.context(request, attempt, { code: failure.code, cause: networkErrorCode(error) }),
          );
          throw failure;
        }
        const delayMs = backoffDelayMs(attempt, this.options.backoffMs, this.random);
        logger?.warn(
          'openstack request failed, retrying',
          this.context(request, attempt, { code: failure.code, cause: networkErrorCode(error), delayMs }),
        );
        await this.sleep(delayMs);
        continue;
      }
      if (request.idempotent && isRetryableStatus(response.status) && attempt < retries) {
        const delayMs =
          parseRetryAfterMs(response.headers.get('retry-after'), this.now()) ??
          backoffDelayMs(attempt, this.options.backoffMs, this.random);
        logger?.warn(
          'openstack answered with a retryable status, retrying',
          this.context(request, attempt, { status: response.status, requestId: response.requestId, delayMs }),
        );
        await this.sleep(delayMs);
        continue;
      }
      logger?.debug?.(
        'openstack request done',
        this.context(request, attempt, { status: response.status, requestId: response.requestId }),
      );
      return response;
    }
  }

  private async once(request: TransportRequest): Promise<TransportResponse> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    }
    const res = await this.fetchImpl(request.url, {
      method: request.method,
      headers,
      body,
      signal,
      redirect: 'manual',
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: parseBody(text, res.headers.get('content-type')),
      requestId: requestIdOf(res.headers),
    };
  }

  private report(request: TransportRequest, startedAt: number, status: number, error?: 'timeout' | 'network'): void {
    try {
      this.options.onCall?.({
        operation: request.operation,
        method: request.method,
        status,
        error,
        durationMs: this.now() - startedAt,
      });
    } catch {
      // Metrics never break a call to OpenStack.
    }
  }

  private toError(request: TransportRequest, error: unknown): OpenStackError {
    const where = `${request.operation}: ${request.method} ${redactUrl(request.url)}`;
    if (isTimeout(error)) {
      return new OpenStackError(`${where} timed out after ${this.options.timeoutMs} ms`, 0, 'timeout', undefined, {
        cause: error,
      });
    }
    const code = networkErrorCode(error);
    return new OpenStackError(`${where} failed: ${code ?? 'network error'}`, 0, 'network', undefined, { cause: error });
  }

  private context(request: TransportRequest, attempt: number, extra: Record<string, unknown>): Record<string, unknown> {
    return {
      operation: request.operation,
      method: request.method,
      url: redactUrl(request.url),
      attempt: attempt + 1,
      ...extra,
    };
  }
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const causeName = (error as { cause?: { name?: unknown } } | null)?.cause?.name;
  return name === 'TimeoutError' || causeName === 'TimeoutError';
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  const looksJson = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
