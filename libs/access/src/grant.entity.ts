import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from './access-policy';

/** One role of one user on one cluster. A user with no grant on a cluster cannot see it at all. */
@Entity({ name: 'grants' })
export class GrantEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @PrimaryColumn({ name: 'cluster_id', type: 'text' })
  clusterId!: string;

  @PrimaryColumn({ type: 'text' })
  role!: Role;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
