import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { poolQuery } from '@oshift/persistence';
import { ClusterEntity } from './cluster.entity';

/** Reads clusters from Postgres. */
@Injectable()
export class ClusterRepository {
  /** The entity's columns (property, column) and the one statement that reads a cluster, made once. */
  private columns?: { property: string; column: string }[];
  private statement = '';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One cluster by id. Read before every Nova client a worker uses (each poll of each cluster it watches), so it
   * is one fixed statement on the pool rather than TypeORM's `findOne`, whose query building was a visible share
   * of the worker's CPU; the row becomes the entity column by column, as TypeORM maps text and timestamptz.
   */
  async find(clusterId: string): Promise<ClusterEntity | null> {
    if (!this.columns) {
      const metadata = this.dataSource.getMetadata(ClusterEntity);
      this.columns = metadata.columns.map((c) => ({ property: c.propertyName, column: c.databaseName }));
      const list = this.columns.map((c) => `"${c.column}"`).join(', ');
      this.statement = `SELECT ${list} FROM "${metadata.tableName}" WHERE "id" = $1`;
    }
    const [row] = await poolQuery<Record<string, unknown>>(this.dataSource, this.statement, [clusterId]);
    if (!row) return null;
    const cluster = new ClusterEntity();
    for (const { property, column } of this.columns)
      (cluster as unknown as Record<string, unknown>)[property] = row[column];
    return cluster;
  }
}
