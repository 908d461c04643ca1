/** OpenAPI description of the node-status route. */
import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { NodeStatusDto } from './node-status.dto';

/** `GET nodestatus`. */
export function ApiNodeStatus(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'getNodeStatus',
      summary: 'Every VM of the cluster with its Nova status, in natural name order',
    }),
    ApiOkResponse({ description: 'The VMs of the cluster', type: NodeStatusDto, isArray: true }),
  );
}
