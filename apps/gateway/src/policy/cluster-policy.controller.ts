import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ClusterRules, type NodeRole, NodeRoles, upcomingOpenings, windowStatus } from '@oshift/jobs';
import { Requires } from '../auth/requires.decorator';
import { NOT_FOUND } from '../http/request.errors';
import { ApiClusterRoutes } from '../openapi/api-docs.decorators';
import { ClusterPolicyDto, type ClusterPolicyView } from './cluster-policy.dto';

/** How many openings of the maintenance windows the policy shows. */
const OPENINGS_SHOWN = 5;

@Controller('api/openshift/:clusterId')
@ApiClusterRoutes('policy')
export class ClusterPolicyController {
  constructor(@Inject(ClusterRules) private readonly rules: Pick<ClusterRules, 'policy'>) {}

  /**
   * The cluster's reboot rules as its customers may read them: windows, their next openings, limits, settle times,
   * drains and the number of masters.
   */
  @Get('policy')
  @Requires('nodes:read', NOT_FOUND)
  @ApiOperation({
    operationId: 'getClusterPolicy',
    summary:
      'The cluster’s reboot rules: its maintenance windows and their next openings, limits, cooldown, settle ' +
      'times, drains and its number of masters',
  })
  @ApiOkResponse({ description: 'The rules in force', type: ClusterPolicyDto })
  async policy(@Param('clusterId') clusterId: string): Promise<ClusterPolicyView> {
    const policy = await this.rules.policy(clusterId);
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      windows: policy.windows.map((window) => window.text),
      open_now: windowStatus(policy.windows, now).open,
      openings: upcomingOpenings(policy.windows, now, OPENINGS_SHOWN).map(({ opens, closes }) => ({
        opens: iso(opens),
        closes: iso(closes),
      })),
      window_override_allowed: policy.allowWindowOverride,
      cooldown_seconds: policy.cooldownSeconds,
      max_parallel: perRole((role) => policy.roles[role].maxParallel),
      settle_seconds: perRole((role) => policy.roles[role].settleSeconds),
      drain: perRole((role) => policy.roles[role].drain),
      drain_timeout_seconds: policy.drainTimeoutSeconds,
      masters: policy.masters,
    };
  }
}

/** One value per role, in the roles' order. */
function perRole<T>(value: (role: NodeRole) => T): Record<NodeRole, T> {
  return Object.fromEntries(NodeRoles.map((role) => [role, value(role)])) as Record<NodeRole, T>;
}
