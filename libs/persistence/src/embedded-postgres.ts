import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * Postgres for one machine without a server: PGlite persisted in a folder, served over the wire
 * protocol on a loopback port so `pg` and TypeORM connect to it as to any Postgres. PGlite is a development
 * dependency (the demo's): it is loaded only when started, so the built apps run without it.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    /** postgres:// URL to connect to. */
    readonly url: string,
  ) {}

  static async start(options: { dataDir: string; port?: number; maxConnections?: number }): Promise<EmbeddedPostgres> {
    mkdirSync(options.dataDir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create(options.dataDir);
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: options.port ?? 0,
      maxConnections: options.maxConnections ?? 32,
    });
    await server.start();
    const port = Number(server.getServerConn().split(':').pop());
    return new EmbeddedPostgres(db, server, `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
