import { Controller, Get, Param } from '@nestjs/common';
import { NodeRegistry } from '@oshift/node-registry';
import { Requires } from '../auth/requires.decorator';
import { NOT_FOUND } from '../http/request.errors';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import { ApiNodeStatus } from './node-status.api-docs';
import type { NodeStatus } from './node-status.dto';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('nodes')
export class NodeStatusController {
  constructor(private readonly registry: NodeRegistry) {}

  /** Every VM of the cluster with its status as Nova reports it, in natural name order. */
  @Get('nodestatus')
  @Requires('nodes:read', NOT_FOUND)
  @ApiNodeStatus()
  async nodeStatus(@Param('clusterId') clusterId: string): Promise<NodeStatus[]> {
    const nodes = await this.registry.listNodes(clusterId);
    return nodes.map(({ nodename, status }) => ({ nodename, status }));
  }
}
