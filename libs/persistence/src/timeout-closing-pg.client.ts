import { Client } from 'pg';

/** The error pg gives when `query_timeout` passes before the server answered. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * A pg client that closes its connection when a query times out on the client side (`query_timeout`). Only a
 * connection that went silent gets there (a slow statement is cancelled by the server's `statement_timeout`
 * first); left in the pool, every later query on it would wait out the same timeout. Closed, the pool drops it
 * and opens a fresh one, which fails fast while Postgres is unreachable and works once it is back.
 */
export class TimeoutClosingPgClient extends Client {
  // pg's `query` has a dozen overloads; this only watches the promise form, which TypeORM uses.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (super.query as (...forwarded: any[]) => unknown)(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if ((error as Error | null)?.message === QUERY_READ_TIMEOUT) void this.end().catch(() => undefined);
      });
    }
    return result;
  }
}
