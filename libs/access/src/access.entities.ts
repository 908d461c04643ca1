import { GrantEntity } from './grant.entity';
import { UserEntity } from './user.entity';

/** The entities of the access lib, for the process's persistence module. */
export const accessEntities = [UserEntity, GrantEntity];
