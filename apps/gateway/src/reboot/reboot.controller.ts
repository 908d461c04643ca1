import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@oshift/access';
import { AuditAction } from '@oshift/audit';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Requires } from '../auth/requires.decorator';
import { ApiError, NODE_NOT_FOUND } from '../http/api-error';
import { ApiClusterRoutes, ApiReboot } from '../openapi/api-docs.decorators';
import { parseRebootRequest, rebootTargetOf } from './reboot-request.dto';
import { RebootService, type RebootStarted } from './reboot.service';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('reboot')
export class RebootController {
  constructor(private readonly reboots: RebootService) {}

  /** Starts an asynchronous reboot of one node; answers 202 with the job to follow. */
  @Post('reboot')
  @Requires('nodes:reboot', NODE_NOT_FOUND, { action: AuditAction.nodeReboot, target: rebootTargetOf })
  @ApiReboot()
  async reboot(
    @Param('clusterId') clusterId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RebootStarted> {
    const parsed = parseRebootRequest(body);
    if (!parsed.ok) {
      await this.reboots.refuseInvalid(clusterId, rebootTargetOf(request), parsed.error, principal, request);
      throw new ApiError(400, parsed.error);
    }
    const started = await this.reboots.request(clusterId, parsed.value.target, principal, request);
    void reply.status(202).header('location', started.status_url);
    return started;
  }
}
