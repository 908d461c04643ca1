import { createServer, connect, type Server, type Socket } from 'node:net';

/** How a paused proxy treats connections: `refuse` resets them at once, `blackhole` accepts them and never answers. */
export type TcpProxyOutage = 'refuse' | 'blackhole';

/**
 * A TCP forwarder from 127.0.0.1:<port> to a target, for tests that need a dependency (Postgres, Redis) to go
 * away and come back without touching the shared server itself: point the process under test at
 * {@link TcpProxy.url}, then {@link pause} and {@link resume}.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private outage: TcpProxyOutage | null = null;
  private clientBytes = '';

  private constructor(
    private readonly server: Server,
    private target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Starts forwarding a free local port (or `listenPort`) to `target`. */
  static async start(target: { host: string; port: number }, listenPort = 0): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Starts a proxy to the host and port of `url` (`postgres://…`, `redis://…`). */
  static forUrl(url: string): Promise<TcpProxy> {
    const parsed = new URL(url);
    return TcpProxy.start({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port) });
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Everything clients sent through the proxy so far (latin1), e.g. to check the headers of HTTP requests. */
  get clientData(): string {
    return this.clientBytes;
  }

  /** Connections open through the proxy right now. */
  get connections(): number {
    return this.sockets.size;
  }

  /**
   * The dependency goes away. `refuse`: open connections are reset and new ones reset at once (a stopped
   * server). `blackhole`: open connections stop carrying bytes and new ones are accepted and never answered
   * (a network partition: only the client's own timeouts end the wait).
   */
  pause(outage: TcpProxyOutage = 'refuse'): void {
    this.outage = outage;
    for (const socket of this.sockets) {
      if (outage === 'refuse') {
        socket.resetAndDestroy();
      } else {
        socket.unpipe();
        socket.pause();
      }
    }
    if (outage === 'refuse') this.sockets.clear();
  }

  /** The dependency is back: new connections are forwarded again. */
  resume(): void {
    if (this.outage === null) return;
    this.outage = null;
    // Connections held by a blackhole never saw their bytes arrive: they end now, as after a partition heals.
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /**
   * The stable address moves to another server (a failover behind a Kubernetes service or a floating IP): new
   * connections go to `target`; those open now are reset, as the old server's are when it goes.
   */
  retarget(target: { host: string; port: number }): void {
    this.target = target;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.outage === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    this.track(client);
    if (this.outage === 'blackhole') {
      client.pause();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => (this.clientBytes += chunk.toString('latin1')));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
