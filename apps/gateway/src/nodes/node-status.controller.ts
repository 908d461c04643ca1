import { Controller, Get, Param } from '@nestjs/common';
import { NodeRegistry } from '@oshift/node-registry';
import { Requires } from '../auth/requires.decorator';
import { NOT_FOUND } from '../http/request.errors';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import { NodeReadiness } from './node-readiness';
import { ApiNodeStatus } from './node-status.api-docs';
import type { NodeStatus } from './node-status.dto';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('nodes')
export class NodeStatusController {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly readiness: NodeReadiness,
  ) {}

  /**
   * Every VM of the cluster with its status as Nova reports it, in natural name order; on a cluster connected to
   * its Kubernetes API, each also says whether its node is Ready and schedulable (after the reference's two fields).
   */
  @Get('nodestatus')
  @Requires('nodes:read', NOT_FOUND)
  @ApiNodeStatus()
  async nodeStatus(@Param('clusterId') clusterId: string): Promise<NodeStatus[]> {
    const [nodes, readinessOf] = await Promise.all([this.registry.listNodes(clusterId), this.readiness.of(clusterId)]);
    return nodes.map(({ nodename, status }) =>
      readinessOf ? { nodename, status, ...readinessOf(nodename) } : { nodename, status },
    );
  }
}
