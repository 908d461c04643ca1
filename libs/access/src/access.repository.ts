import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '@oshift/persistence';
import type { Role } from './access-policy';
import { UserEntity } from './user.entity';

/** Reads users and their grants from Postgres. */
@Injectable()
export class AccessRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findUserByUsername(username: string): Promise<UserEntity | null> {
    return this.dataSource.manager.findOne(UserEntity, { where: { username } });
  }

  /** Roles of one user, grouped by cluster id. */
  async grantsOf(userId: string): Promise<Map<string, Role[]>> {
    const rows = await queryRows<{ cluster_id: string; role: Role }>(
      this.dataSource,
      `SELECT cluster_id, role FROM grants WHERE user_id = $1 ORDER BY cluster_id, role`,
      [userId],
    );
    const grants = new Map<string, Role[]>();
    for (const row of rows) grants.set(row.cluster_id, [...(grants.get(row.cluster_id) ?? []), row.role]);
    return grants;
  }
}
