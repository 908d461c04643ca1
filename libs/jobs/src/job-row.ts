import type { DataSource } from 'typeorm';
import { JobEntity } from './job.entity';

/** A raw `jobs` row (`RETURNING *`, `SELECT *`) as a {@link JobEntity}, by the entity's own column mapping. */
export function jobFromRow(dataSource: DataSource, row: Record<string, unknown>): JobEntity {
  const job = new JobEntity();
  for (const column of dataSource.getMetadata(JobEntity).columns) {
    if (column.databaseName in row)
      (job as unknown as Record<string, unknown>)[column.propertyName] = row[column.databaseName];
  }
  return job;
}
