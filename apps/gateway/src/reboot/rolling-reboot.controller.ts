import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@oshift/access';
import { AuditAction } from '@oshift/audit';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Requires } from '../auth/requires.decorator';
import { NOT_FOUND } from '../http/request.errors';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import type { RebootStarted } from './job-intake';
import { ApiRollingReboot } from './rolling-reboot.api-docs';
import { rollingTargetOf } from './rolling-reboot-request.dto';
import { RollingRebootService } from './rolling-reboot.service';
import type { RollingForecast } from './rolling-rules';

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('reboot')
export class RollingRebootController {
  constructor(private readonly rolling: RollingRebootService) {}

  /** Starts a rolling reboot of a role (or every node); answers 202 with the job to follow (200: dry run). */
  @Post('rolling-reboot')
  @Requires('nodes:reboot', NOT_FOUND, { action: AuditAction.rollingReboot, target: rollingTargetOf })
  @ApiRollingReboot()
  async rollingReboot(
    @Param('clusterId') clusterId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RebootStarted | RollingForecast> {
    const answer = await this.rolling.request(clusterId, body, principal, request, request.headers['idempotency-key']);
    if ('would' in answer) void reply.status(200);
    else void reply.status(202).header('location', answer.status_url);
    return answer;
  }
}
