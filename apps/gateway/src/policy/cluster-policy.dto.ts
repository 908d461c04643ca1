import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { type NodeRole, NodeRoles } from '@oshift/jobs';

const TIME = { type: 'string', format: 'date-time', example: '2026-12-08T01:00:00.000Z' } as const;

/** One opening of the maintenance windows: from `opens` to `closes` (RFC 3339 UTC). */
export interface PolicyOpening {
  opens: string;
  closes: string;
}

/** `GET policy`: a cluster's reboot rules as its customers see them. */
export interface ClusterPolicyView {
  windows: string[];
  open_now: boolean;
  openings: PolicyOpening[];
  window_override_allowed: boolean;
  cooldown_seconds: number;
  max_parallel: Record<NodeRole, number>;
}

/** OpenAPI shape of {@link PolicyOpening}. */
@ApiSchema({ name: 'PolicyOpening', description: 'One opening of the maintenance windows' })
export class PolicyOpeningDto implements PolicyOpening {
  @ApiProperty({ ...TIME, description: 'When it opens' })
  opens!: string;

  @ApiProperty({ ...TIME, example: '2026-12-08T05:00:00.000Z', description: 'When it closes' })
  closes!: string;
}

/** OpenAPI shape of {@link ClusterPolicyView}. */
@ApiSchema({ name: 'ClusterPolicy', description: 'The cluster’s reboot rules, as the operator set them' })
export class ClusterPolicyDto implements ClusterPolicyView {
  @ApiProperty({
    type: [String],
    description:
      'The maintenance windows (`<days> HH:MM-HH:MM <IANA time zone>`); reboots start only inside one. ' +
      'Empty: any time',
    example: ['Mon-Fri 01:00-05:00 Europe/London'],
  })
  windows!: string[];

  @ApiProperty({ description: 'Whether a window is open now (always true without windows)', example: false })
  open_now!: boolean;

  @ApiProperty({
    type: PolicyOpeningDto,
    isArray: true,
    description: 'The next openings (up to 5 within two weeks, the open one first), in UTC; empty without windows',
  })
  openings!: PolicyOpening[];

  @ApiProperty({
    description: 'Whether a customer with the reboot role may start a reboot outside the windows (override_window)',
    example: true,
  })
  window_override_allowed!: boolean;

  @ApiProperty({ description: 'A node rebooted Done this recently may not be rebooted again (0: off)', example: 0 })
  cooldown_seconds!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: `At most this many reboots of each role at once (${NodeRoles.join(', ')})`,
    example: { haproxy: 1, master: 1, infra: 1, worker: 2, other: 1 },
  })
  max_parallel!: Record<NodeRole, number>;
}
