import { Controller, Get, Header, Param } from '@nestjs/common';
import { NodeRegistry } from '@oshift/node-registry';
import { Requires } from '../auth/requires.decorator';
import { NOT_FOUND } from '../http/request.errors';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import { NodeReadiness } from './node-readiness';
import { ApiNodeStatus } from './node-status.api-docs';
import { NodeStatusBodies } from './node-status.bodies';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('nodes')
export class NodeStatusController {
  private readonly bodies = new NodeStatusBodies();

  constructor(
    private readonly registry: NodeRegistry,
    private readonly readiness: NodeReadiness,
  ) {}

  /**
   * Every VM of the cluster with its status as Nova reports it, in natural name order; on a cluster connected to
   * its Kubernetes API, each also says whether its node is Ready and schedulable (after the reference's two fields).
   * The JSON of `NodeStatus[]`, sent as it is made once per cached list (the bytes `JSON.stringify` gives).
   */
  @Get('nodestatus')
  @Requires('nodes:read', NOT_FOUND)
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiNodeStatus()
  async nodeStatus(@Param('clusterId') clusterId: string): Promise<string> {
    const [nodes, readinessOf] = await Promise.all([this.registry.listNodes(clusterId), this.readiness.of(clusterId)]);
    return this.bodies.of(nodes, readinessOf);
  }
}
