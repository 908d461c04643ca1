import { HttpTransport, type TransportHooks, type TransportRequest, type TransportResponse } from './http-transport';
import type { KeystoneSession } from './keystone-session';
import { buildRebootBody } from './nova-action.request';
import { parseInstanceActions, parseServerBody, parseServerDetailPage } from './nova-server.parser';
import type { NovaInstanceAction, NovaServer, RebootType } from './nova.types';
import { parseErrorBody } from './openstack-error.parser';
import { OpenStackError } from './openstack.errors';
import { resolveClientOptions, type OpenStackClientOptions, type ResolvedClientOptions } from './openstack.options';

/** Safety net against a Nova that keeps answering with `next` links. */
const MAX_PAGES = 1000;

/**
 * Nova v2.1 for the servers of one project: list (all pages), get, reboot.
 * Every call sends the session's token; a 401 invalidates it, re-authenticates and retries the call once.
 * Reads are retried on network errors, timeouts, 5xx and 429; a reboot is resent only if its connection never
 * opened, because a reboot that may have reached Nova must be checked (task_state) before being sent again.
 */
export class NovaClient {
  private readonly options: ResolvedClientOptions;
  private readonly transport: HttpTransport;

  constructor(
    private readonly session: KeystoneSession,
    opts?: OpenStackClientOptions,
    hooks: TransportHooks = {},
  ) {
    this.options = resolveClientOptions(opts);
    this.transport = new HttpTransport(this.options, hooks);
  }

  /** Every server of the project (`GET /servers/detail`), following `servers_links` `next` until the last page. */
  async listServers(): Promise<NovaServer[]> {
    const servers: NovaServer[] = [];
    const seenMarkers = new Set<string>();
    let query: Record<string, string> | null = {};
    for (let page = 0; query && page < MAX_PAGES; page++) {
      const search = new URLSearchParams(query).toString();
      const res = await this.call('nova.listServers', 'GET', `/servers/detail${search ? `?${search}` : ''}`, true);
      const parsed = this.parse(res, parseServerDetailPage);
      servers.push(...parsed.servers);
      query = parsed.servers.length > 0 ? parsed.next : null;
      if (query) {
        if (seenMarkers.has(query.marker)) break;
        seenMarkers.add(query.marker);
      }
    }
    return servers;
  }

  /** One server (`GET /servers/{id}`); OpenStackError 404 `itemNotFound` when it does not exist in this project. */
  async getServer(id: string): Promise<NovaServer> {
    const res = await this.call('nova.getServer', 'GET', `/servers/${encodeURIComponent(id)}`, true);
    return this.parse(res, parseServerBody);
  }

  /**
   * Asks Nova to reboot a server (`POST /servers/{id}/action`, answered 202) and returns Nova's request id.
   * Sent once: not even a connection that never opened is retried here, so the POST lasts at most one timeout
   * (the caller decides, see `readRebootAnswer`). Nova refuses with 409 `conflictingRequest` when the server's
   * lock or state does not allow it.
   */
  async reboot(id: string, type: RebootType): Promise<{ requestId?: string }> {
    const path = `/servers/${encodeURIComponent(id)}/action`;
    const res = await this.call('nova.reboot', 'POST', path, false, buildRebootBody(type));
    return { requestId: res.requestId };
  }

  /** The actions recorded for a server, newest first (`GET /servers/{id}/os-instance-actions`). */
  async listInstanceActions(id: string): Promise<NovaInstanceAction[]> {
    const res = await this.call(
      'nova.listInstanceActions',
      'GET',
      `/servers/${encodeURIComponent(id)}/os-instance-actions`,
      true,
    );
    return this.parse(res, parseInstanceActions);
  }

  private async call(
    operation: string,
    method: TransportRequest['method'],
    path: string,
    idempotent: boolean,
    json?: unknown,
  ): Promise<TransportResponse> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.session.token();
      const base = await this.session.computeUrl();
      const res = await this.transport.send({
        method,
        url: `${base}${path}`,
        headers: { 'x-auth-token': token },
        json,
        idempotent,
        operation,
        ...(idempotent ? {} : { retries: 0 }),
      });
      // keystonemiddleware rejects an expired or revoked token before Nova acts: resending is safe.
      if (res.status === 401 && attempt === 0) {
        this.options.logger?.warn('nova rejected the token, authenticating again', {
          operation,
          requestId: res.requestId,
        });
        this.session.invalidate(token);
        continue;
      }
      if (res.status >= 400) throw this.errorFrom(operation, res);
      return res;
    }
  }

  private errorFrom(operation: string, res: TransportResponse): OpenStackError {
    const parsed = parseErrorBody(res.status, res.body);
    const code = res.status === 401 ? 'unauthorized' : parsed.code;
    const ctx = { operation, status: res.status, code, requestId: res.requestId };
    if (res.status >= 500) this.options.logger?.warn('nova answered with an error', ctx);
    else this.options.logger?.debug?.('nova answered with an error', ctx);
    return new OpenStackError(parsed.message, res.status, code, res.requestId, { novaFault: parsed.novaFault });
  }

  private parse<T>(res: TransportResponse, parser: (body: unknown) => T): T {
    try {
      return parser(res.body);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unreadable answer';
      throw new OpenStackError(message, res.status, 'invalidResponse', res.requestId, { cause: error });
    }
  }
}
