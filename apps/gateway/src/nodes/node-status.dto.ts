import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** One VM of the cluster, exactly as the API reference shows it. */
export interface NodeStatus {
  nodename: string;
  status: string;
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
}
