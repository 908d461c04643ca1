import type { DataSource } from 'typeorm';
import { JobEntity } from './job.entity';

/** Selected beside a job row (`RETURNING *, ${WITH_DB_NOW}`): Postgres' clock at the read, for {@link dbNow}. */
export const WITH_DB_NOW = 'now() AS db_now';

/**
 * A raw `jobs` row (`RETURNING *`, `SELECT *`) as a {@link JobEntity}, by the entity's own column mapping; with
 * {@link WITH_DB_NOW}, how far Postgres' clock is from this process's.
 */
export function jobFromRow(dataSource: DataSource, row: Record<string, unknown>): JobEntity {
  const job = new JobEntity();
  for (const column of dataSource.getMetadata(JobEntity).columns) {
    if (column.databaseName in row)
      (job as unknown as Record<string, unknown>)[column.propertyName] = row[column.databaseName];
  }
  if (row['db_now'] instanceof Date) job.clockOffsetMs = row['db_now'].getTime() - Date.now();
  return job;
}
