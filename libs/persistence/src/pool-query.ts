import type { DataSource } from 'typeorm';

interface PgPool {
  connect(): Promise<{ query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>; release(): void }>;
}

/**
 * Runs one statement on a connection of the data source's pool, without a TypeORM query runner: for the hot
 * reads of the API (a job poll), where the runner's bookkeeping is a visible share of the request. Rows come
 * back as the driver gives them; the pool's clients keep their timeouts (the promise form is used).
 */
export async function poolQuery<T>(dataSource: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  const client = await pool.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    client.release();
  }
}
