import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@oshift/access';
import { AuditAction } from '@oshift/audit';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Requires } from '../auth/requires.decorator';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import { NODE_NOT_FOUND } from '../http/request.errors';
import { ApiReboot } from './reboot.api-docs';
import { rebootTargetOf } from './reboot-request.dto';
import { type RebootForecast, RebootService, type RebootStarted } from './reboot.service';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('reboot')
export class RebootController {
  constructor(private readonly reboots: RebootService) {}

  /** Starts an asynchronous reboot of one node; answers 202 with the job to follow (200 and a forecast: dry run). */
  @Post('reboot')
  @Requires('nodes:reboot', NODE_NOT_FOUND, { action: AuditAction.nodeReboot, target: rebootTargetOf })
  @ApiReboot()
  async reboot(
    @Param('clusterId') clusterId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RebootStarted | RebootForecast> {
    const answer = await this.reboots.request(clusterId, body, principal, request, request.headers['idempotency-key']);
    if ('would' in answer) void reply.status(200);
    else void reply.status(202).header('location', answer.status_url);
    return answer;
  }
}
