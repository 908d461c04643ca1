import type { Connection } from './cli.config';
import { CliError, EXIT } from './exit-codes';

/** An answer of the API that the caller reads (2xx; refusals and failures are thrown as {@link CliError}). */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** The body exactly as it came. */
  text: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Aborts the request (the command's `--timeout`); its reason is what the call throws. */
  signal?: AbortSignal;
}

/** Pauses between attempts when the API is unreachable or answers 5xx: four attempts in about 3.5 s. */
export const RETRY_DELAYS_MS = [500, 1000, 2000];
const RETRY_AFTER_CAP_MS = 5000;

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** Why a request got no answer: the network error's code (ECONNREFUSED…), else its message. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** The `error` field of a JSON error body (with its `reason` when it gives one), else the status line. */
function errorText(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; reason?: unknown };
    if (typeof body.error === 'string' && body.error) {
      return typeof body.reason === 'string' && body.reason ? `${body.error}: ${body.reason}` : body.error;
    }
  } catch {
    // not JSON: a proxy's page, say
  }
  return `HTTP ${status}`;
}

/**
 * A URL as `--debug` shows it: without any user or password it may carry (the request's credentials are in its
 * headers, which are never shown).
 */
export function shownUrl(url: string): string {
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

/**
 * The public API over Node's fetch. Refusals (4xx) end the command with exit 4 and the API's `error` text;
 * network errors and 5xx are retried, then end it with exit 5. POSTs are retried too: callers send an
 * `Idempotency-Key`, so a retried reboot never starts a second one.
 */
export class ApiClient {
  /**
   * @param debug `--debug`: told each request's method, URL, outcome (status, or why none came) and time; never
   * its headers or body, which carry the credentials and may carry secrets.
   */
  constructor(
    private readonly connection: Connection,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
    private readonly debug?: (line: string) => void,
  ) {}

  get(path: string, options: RequestOptions = {}): Promise<ApiAnswer> {
    return this.call('GET', path, options);
  }

  post(path: string, options: RequestOptions = {}): Promise<ApiAnswer> {
    return this.call('POST', path, options);
  }

  delete(path: string, options: RequestOptions = {}): Promise<ApiAnswer> {
    return this.call('DELETE', path, options);
  }

  /** A response whose body the caller streams (no retry: the caller resumes). Refusals and 5xx are thrown. */
  async open(path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.url(path, options.query);
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, { headers: this.headers(options), signal: options.signal });
    } catch (error) {
      this.trace('GET', url, started, reasonOf(error));
      throw error;
    }
    const mediaType = response.headers.get('content-type')?.split(';')[0] ?? '';
    this.trace('GET', url, started, `${response.status} ${mediaType}`.trim());
    if (response.ok) return response;
    const text = await response.text();
    throw this.failure(response.status, text);
  }

  async call(method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions): Promise<ApiAnswer> {
    const url = this.url(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    for (let attempt = 0; ; attempt++) {
      let failure: CliError;
      let waitMs = this.retryDelaysMs[attempt];
      const started = performance.now();
      try {
        const response = await fetch(url, { method, headers: this.headers(options), body, signal: options.signal });
        const text = await response.text();
        this.trace(method, url, started, String(response.status));
        if (response.status < 400) return { status: response.status, headers: response.headers, text };
        failure = this.failure(response.status, text);
        if (failure.exitCode !== EXIT.unavailable) throw failure;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (waitMs !== undefined && retryAfter > 0)
          waitMs = Math.max(waitMs, Math.min(retryAfter * 1000, RETRY_AFTER_CAP_MS));
      } catch (error) {
        if (error instanceof CliError || options.signal?.aborted) throw error;
        this.trace(method, url, started, reasonOf(error));
        failure = new CliError(`cannot reach ${this.connection.baseUrl}: ${reasonOf(error)}`, EXIT.unavailable);
      }
      if (waitMs === undefined) throw failure;
      this.debug?.(`retrying in ${waitMs} ms`);
      await pause(waitMs, options.signal);
    }
  }

  /** The error a non-2xx answer ends the command with. */
  failure(status: number, text: string): CliError {
    const message = errorText(status, text);
    if (status >= 500) return new CliError(`${message} (HTTP ${status})`, EXIT.unavailable);
    // A reboot already running names its job (its status_url too); other 409s carry their reason instead.
    const running = status === 409 && text.includes('"status_url"') ? /"job_id":"([^"]+)"/.exec(text)?.[1] : undefined;
    return new CliError(running ? `${message}\nrunning job: ${running}` : message, EXIT.refused);
  }

  /** `--debug`'s line for one request: `GET <url> -> 200 in 12 ms`. */
  private trace(method: string, url: string, started: number, outcome: string): void {
    this.debug?.(`${method} ${shownUrl(url)} -> ${outcome} in ${Math.round(performance.now() - started)} ms`);
  }

  private url(path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(`${this.connection.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.href;
  }

  private headers(options: RequestOptions): Record<string, string> {
    return {
      accept: 'application/json',
      'user-agent': 'oshift-cli',
      authorization: this.connection.authorization,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
  }
}
