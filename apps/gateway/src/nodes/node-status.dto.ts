import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** One VM of the cluster, as the API reference shows it; a connected cluster's also with its node's state. */
export interface NodeStatus {
  nodename: string;
  status: string;
  ready?: boolean | null;
  schedulable?: boolean | null;
}

/** OpenAPI shape of {@link NodeStatus}. */
@ApiSchema({ name: 'NodeStatus', description: 'One VM of the cluster' })
export class NodeStatusDto implements NodeStatus {
  @ApiProperty({ example: 'haproxy-0.openstacklocal' })
  nodename!: string;

  @ApiProperty({
    description: 'The status exactly as Nova reports it (ACTIVE, REBOOT, HARD_REBOOT, SHUTOFF, ERROR, …)',
    example: 'ACTIVE',
  })
  status!: string;

  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description:
      "Only on a cluster connected to its Kubernetes API: whether the VM's Kubernetes node reports Ready. " +
      'null when no node of the cluster is this VM (HAProxy VMs) or the cluster API did not answer in time.',
    example: true,
  })
  ready?: boolean | null;

  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description:
      'Only on a cluster connected to its Kubernetes API: whether its node accepts new pods (false: cordoned, ' +
      'as during a drain). null as for `ready`.',
    example: true,
  })
  schedulable?: boolean | null;
}
