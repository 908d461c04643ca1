import { DataSource, type EntityManager } from 'typeorm';

/**
 * The rows of one raw SQL statement, whatever it is: a SELECT, or an INSERT/UPDATE/DELETE with RETURNING
 * (an empty array when it changed nothing). Every raw query goes through here: TypeORM's own `query()`
 * answers a bare `UPDATE … RETURNING` with `[rows, count]`, never an empty array, which would make every
 * "did it change a row?" check pass. On a transaction's manager it runs in that transaction.
 */
export async function queryRows<T = Record<string, unknown>>(
  db: DataSource | EntityManager,
  sql: string,
  parameters: unknown[] = [],
): Promise<T[]> {
  const manager = db instanceof DataSource ? db.manager : db;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return result.records as T[];
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}
