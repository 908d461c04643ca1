import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClusterEntity } from './cluster.entity';

/** Reads clusters from Postgres. */
@Injectable()
export class ClusterRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(clusterId: string): Promise<ClusterEntity | null> {
    return this.dataSource.manager.findOne(ClusterEntity, { where: { id: clusterId } });
  }
}
