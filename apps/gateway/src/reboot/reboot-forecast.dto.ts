import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { type NodeRole, NodeRoles } from '@oshift/jobs';
import type { RebootForecast } from './reboot.service';

/** OpenAPI shape of {@link RebootForecast}: a dry run's answer. */
@ApiSchema({ name: 'RebootForecast', description: 'What the reboot would do now (dry run); nothing was started' })
export class RebootForecastDto {
  @ApiProperty({
    enum: ['start', 'wait', 'refuse'],
    description:
      '`start`: the cluster’s rules let it start now; `wait`: it would be accepted and wait its turn; ' +
      '`refuse`: it would be refused (a reboot of the node already running, its cooldown, or rules that never allow it)',
    example: 'wait',
  })
  would!: RebootForecast['would'];

  @ApiProperty({ description: 'Why, in a sentence', example: 'master-1.openstacklocal is rebooting' })
  reason!: string;

  @ApiProperty({
    enum: NodeRoles,
    description:
      'The role the cluster’s rules give the node from its name (`other`: none of the role patterns matched, ' +
      'so no quorum rule protects it)',
    example: 'master',
  })
  role!: NodeRole;
}
