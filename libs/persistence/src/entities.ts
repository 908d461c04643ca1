import { AuditEventEntity, GrantEntity, UserEntity } from '@oshift/access';
import { JobEntity, JobLineEntity } from '@oshift/jobs';
import { ClusterEntity } from '@oshift/node-registry';

/** Every entity of the schema, listed explicitly (no globs): what the migrations create. */
export const entities = [UserEntity, GrantEntity, AuditEventEntity, ClusterEntity, JobEntity, JobLineEntity];
