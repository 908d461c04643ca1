import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Roles, type Role } from '@oshift/access';
import type { Me } from './me.controller';

/** One cluster of the caller. */
@ApiSchema({ name: 'MyCluster', description: 'A cluster the caller is granted, with the roles they hold there' })
export class MyClusterDto {
  @ApiProperty({ example: 'mycompany.cor00005.cna.ukcloud.com' })
  id!: string;

  @ApiProperty({ enum: [...Roles], isArray: true, example: ['read', 'reboot'] })
  roles!: Role[];
}

/** OpenAPI shape of {@link Me}. */
@ApiSchema({ name: 'Me', description: 'The caller and their clusters' })
export class MeDto implements Me {
  @ApiProperty({ example: 'operator' })
  user!: string;

  @ApiProperty({ type: MyClusterDto, isArray: true })
  clusters!: MyClusterDto[];
}
