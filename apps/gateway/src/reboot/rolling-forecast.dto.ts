import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { type NodeRole, NodeRoles } from '@oshift/jobs';

/** OpenAPI shape of a rolling reboot's dry run. */
@ApiSchema({
  name: 'RollingRebootForecast',
  description: 'What a rolling reboot would do now (dry run): its first node’s forecast and every node, in order',
})
export class RollingForecastDto {
  @ApiProperty({
    enum: ['start', 'wait', 'refuse'],
    description:
      'What its first node would do now: `start`, `wait` its turn, or `refuse` (a rolling reboot of the role ' +
      'already running, or rules that never allow one of its nodes)',
    example: 'start',
  })
  would!: 'start' | 'wait' | 'refuse';

  @ApiProperty({ description: 'Why, in a sentence', example: '0 of at most 1 worker reboot in flight' })
  reason!: string;

  @ApiProperty({
    type: 'string',
    isArray: true,
    description: 'The nodes it would reboot, one at a time, in this order',
    example: ['worker-0.openstacklocal', 'worker-1.openstacklocal', 'worker-2.openstacklocal'],
  })
  nodes!: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...NodeRoles] },
    description:
      'Every node of the cluster with the role the cluster’s rules give it from its name (`other`: none of the ' +
      'role patterns matched)',
    example: { 'worker-0.openstacklocal': 'worker', 'master-0.openstacklocal': 'master', bastion: 'other' },
  })
  roles!: Record<string, NodeRole>;
}
