// @ts-check
// The public API as the page calls it: credentials held in memory only, sent on every request.

/**
 * A shape the API answers with, as docs/openapi.json names it, e.g. `ApiSchema<'Job'>` (api-types.d.ts is
 * generated from that document: npm run openapi:types; types only, the browser never loads it).
 * @template {keyof import('./api-types').components['schemas']} Name
 * @typedef {import('./api-types').components['schemas'][Name]} ApiSchema
 */

/**
 * The JSON body an operation takes, e.g. `RequestBody<'rebootNode'>`.
 * @template {keyof import('./api-types').operations} Operation
 * @typedef {NonNullable<import('./api-types').operations[Operation]['requestBody']>['content']['application/json']} RequestBody
 */

/** A refusal or failure of the API, with its `error` text. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the API could not be reached)
   * @param {string} message the API's `error` text
   * @param {Record<string, unknown>} body the whole answer
   * @param {Headers} [headers]
   */
  constructor(status, message, body = {}, headers) {
    super(message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export class Api {
  /** @param {string} authorization the `Authorization` header: `Basic …` or `Bearer …` */
  constructor(authorization) {
    this.authorization = authorization;
  }

  /** @param {string} username @param {string} password */
  static basic(username, password) {
    const bytes = new TextEncoder().encode(`${username}:${password}`);
    return new Api(`Basic ${btoa(String.fromCharCode(...bytes))}`);
  }

  /**
   * A request that answers the parsed JSON body, or throws {@link ApiError}. Credentials are never left
   * to the browser (`credentials: 'omit'`): no Basic prompt on a 401, nothing cached for the origin.
   * @param {string} path
   * @param {{ method?: string, body?: unknown, headers?: Record<string, string>, signal?: AbortSignal }} [options]
   * @returns {Promise<any>}
   */
  async call(path, options = {}) {
    const response = await this.fetch(path, options);
    const text = await response.text();
    /** @type {any} */
    let body = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {};
    }
    if (!response.ok)
      throw new ApiError(response.status, body.error ?? `HTTP ${response.status}`, body, response.headers);
    return body;
  }

  /**
   * The raw response (for the event stream); network failures become {@link ApiError} with status 0.
   * @param {string} path
   * @param {{ method?: string, body?: unknown, headers?: Record<string, string>, signal?: AbortSignal }} [options]
   */
  async fetch(path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json', authorization: this.authorization, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(path, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'omit',
        cache: 'no-store',
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError(0, 'The API cannot be reached; check your connection');
    }
  }
}

/** @param {string} cluster */
export const clusterPath = (cluster) => `/api/openshift/${encodeURIComponent(cluster)}`;
