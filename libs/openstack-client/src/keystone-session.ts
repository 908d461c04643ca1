import { HttpTransport, type TransportHooks } from './http-transport';
import { buildAuthRequestBody, normaliseAuthUrl } from './keystone-auth.request';
import { parseTokenResponse, selectEndpoint, type KeystoneToken } from './keystone-token.parser';
import { parseErrorBody } from './openstack-error.parser';
import { OpenStackError } from './openstack.errors';
import {
  resolveClientOptions,
  type OpenStackClientOptions,
  type OpenStackCredentials,
  type ResolvedClientOptions,
} from './openstack.options';

/** A token is renewed this long before it expires... */
const RENEW_BEFORE_MS = 60_000;

interface CachedToken {
  token: KeystoneToken;
  /** Local time after which the token is renewed rather than reused. */
  renewAt: number;
  computeUrl?: string;
}

/**
 * A Keystone v3 session for one set of credentials: issues a project-scoped token, caches it until 60 s
 * before it expires (or half its lifetime for tokens shorter than 2 minutes), makes concurrent callers share
 * one authentication, and finds the compute endpoint in the token's catalog.
 */
export class KeystoneSession {
  private readonly options: ResolvedClientOptions;
  private readonly transport: HttpTransport;
  private readonly authUrl: string;
  private readonly now: () => number;
  private cached?: CachedToken;
  private inFlight?: Promise<CachedToken>;

  private readonly creds: OpenStackCredentials;

  /**
   * `credentials` may be a function: it is called again at each authentication, so a secret read from a file
   * is re-read when a token is renewed or refused (a rotated secret works without a restart).
   */
  constructor(
    private readonly credentials: OpenStackCredentials | (() => OpenStackCredentials),
    opts?: OpenStackClientOptions,
    hooks: TransportHooks = {},
  ) {
    this.creds = typeof credentials === 'function' ? credentials() : credentials;
    this.options = resolveClientOptions(opts);
    this.transport = new HttpTransport(this.options, hooks);
    this.authUrl = normaliseAuthUrl(this.creds.authUrl);
    this.now = hooks.now ?? Date.now;
  }

  /** A valid token (`X-Auth-Token` value), authenticating when none is cached or it is about to expire. */
  async token(): Promise<string> {
    return (await this.current()).token.token;
  }

  /** The compute (Nova) endpoint of the token's catalog for the configured interface and region, no trailing slash. */
  async computeUrl(): Promise<string> {
    const entry = await this.current();
    if (entry.computeUrl) return entry.computeUrl;
    const iface = this.creds.interface ?? 'public';
    const url = selectEndpoint(entry.token.catalog, 'compute', iface, this.creds.region);
    if (!url) {
      const where = this.creds.region ? ` in region ${this.creds.region}` : '';
      throw new OpenStackError(`the Keystone catalog has no ${iface} compute endpoint${where}`, 0, 'noComputeEndpoint');
    }
    entry.computeUrl = url;
    return url;
  }

  /**
   * Forgets the cached token so the next call authenticates again. With `staleToken`, only forgets it if it
   * is still that token, so that many callers hitting the same 401 cause one re-authentication.
   */
  invalidate(staleToken?: string): void {
    if (staleToken === undefined || this.cached?.token.token === staleToken) this.cached = undefined;
  }

  private current(): Promise<CachedToken> {
    if (this.cached && this.now() < this.cached.renewAt) return Promise.resolve(this.cached);
    if (!this.inFlight) {
      this.inFlight = this.authenticate().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async authenticate(): Promise<CachedToken> {
    const receivedBefore = this.now();
    const response = await this.transport.send({
      method: 'POST',
      url: `${this.authUrl}/auth/tokens`,
      json: buildAuthRequestBody(typeof this.credentials === 'function' ? this.credentials() : this.creds),
      // Issuing a token changes nothing that matters: safe to resend.
      idempotent: true,
      operation: 'keystone.authenticate',
    });
    if (response.status !== 201 && response.status !== 200) {
      const parsed = parseErrorBody(response.status, response.body);
      const code = response.status === 401 ? 'unauthorized' : parsed.code;
      throw new OpenStackError(
        `Keystone refused to issue a token (HTTP ${response.status}): ${parsed.message}`,
        response.status,
        code,
        response.requestId,
      );
    }
    let token: KeystoneToken;
    try {
      token = parseTokenResponse(response.body, response.headers.get('x-subject-token'));
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unreadable token answer';
      throw new OpenStackError(message, response.status, 'invalidResponse', response.requestId, { cause: error });
    }
    const lifetime = token.expiresAt.getTime() - receivedBefore;
    const margin = Math.min(RENEW_BEFORE_MS, Math.max(0, lifetime / 2));
    const entry: CachedToken = { token, renewAt: token.expiresAt.getTime() - margin };
    this.cached = entry;
    this.options.logger?.debug?.('keystone token issued', {
      requestId: response.requestId,
      projectId: token.projectId,
      expiresAt: token.expiresAt.toISOString(),
    });
    return entry;
  }
}
