import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkDependencies, type DependencyCheck } from './dependency-checks';
import type { MetricsRegistry } from './metrics-registry';
import { metricsAccessAllowed } from './metrics-token';

export interface ProbeServerOptions {
  host: string;
  /** 0 lets the system choose a free port (see {@link ProbeServer.url}). */
  port: number;
  metrics: MetricsRegistry;
  /**
   * `/healthz` and `/readyz`; without it only `/metrics` is served (the gateway's metrics port).
   * Readiness is local to the process: `/readyz` answers 200 while `ready()` holds (up, listening, not shutting
   * down), and 503 naming its reason when not. `checks` (dependencies) are only reported in the answer's
   * `checks`: a dependency that is down does not take the process out of service.
   */
  readiness?: { ready: () => true | string; checks: Record<string, DependencyCheck> };
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** A check that has not answered by then counts as down. Default 2000 ms. */
  checkTimeoutMs?: number;
}

/**
 * The HTTP face of a process that serves no API (the worker), or the metrics port of one that does (the
 * gateway): `GET /healthz` (alive), `GET /readyz` (the process can serve: 200, else 503 with the reason; the
 * dependencies' state in `checks` either way) and `GET /metrics` (Prometheus).
 * Answers are JSON like the gateway's (`{"error": …}` for errors), except the metrics text.
 */
export class ProbeServer {
  private readonly server: Server;

  constructor(private readonly options: ProbeServerOptions) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch(() => send(response, 500, { error: 'Internal Server Error' }));
    });
    // Probes are short; do not let an idle keep-alive connection hold a shutdown.
    this.server.keepAliveTimeout = 1000;
  }

  /** Starts listening; rejects with a message naming the address when that fails (e.g. the port is taken). */
  listen(): Promise<string> {
    const { host, port } = this.options;
    const serves = this.options.readiness ? 'health and metrics' : 'metrics';
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) =>
        reject(new Error(`cannot listen on ${host}:${port} for ${serves}: ${error.code ?? error.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.url);
      });
    });
  }

  /** `http://host:port` once listening (the chosen port when configured with 0). */
  get url(): string {
    const address = this.server.address() as AddressInfo | null;
    if (!address) throw new Error('probe server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const paths = this.options.readiness ? ['/healthz', '/readyz', '/metrics'] : ['/metrics'];
    if (!paths.includes(path)) return send(response, 404, { error: 'Not Found' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, { error: 'Method Not Allowed' });
    }
    if (path === '/healthz') return send(response, 200, { status: 'ok' });
    if (path === '/readyz' && this.options.readiness) {
      const checks = await checkDependencies(this.options.readiness.checks, this.options.checkTimeoutMs);
      const ready = this.options.readiness.ready();
      return send(
        response,
        ready === true ? 200 : 503,
        ready === true ? { status: 'ok', checks } : { error: 'Not ready', reason: ready, checks },
      );
    }
    if (!metricsAccessAllowed(request.headers.authorization, this.options.metricsToken)) {
      response.setHeader('www-authenticate', 'Bearer realm="metrics"');
      return send(response, 401, { error: 'Unauthorized' });
    }
    const body = await this.options.metrics.exposition();
    response.writeHead(200, { 'content-type': this.options.metrics.contentType, 'cache-control': 'no-store' });
    response.end(body);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
