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
  settle_seconds: Record<NodeRole, number>;
  drain: Record<NodeRole, boolean>;
  drain_timeout_seconds: number;
  masters: number;
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

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description:
      'How long a node of each role counts as settling after it is back (Kubernetes Ready on a connected cluster, ' +
      'else its reboot released): another master, or another HAProxy node, starts only when every other one ' +
      '(HAProxy: another one) is settled; for other roles settling nodes count against max_parallel',
    example: { haproxy: 60, master: 120, infra: 0, worker: 0, other: 0 },
  })
  settle_seconds!: Record<NodeRole, number>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'boolean' },
    description:
      'Whether a reboot of each role drains the node first (cordon, evict its pods) on a connected cluster; ' +
      'HAProxy nodes are never drained',
    example: { haproxy: false, master: true, infra: true, worker: true, other: true },
  })
  drain!: Record<NodeRole, boolean>;

  @ApiProperty({
    description: 'A drain that has not emptied the node after this many seconds fails the job, nothing sent to Nova',
    example: 300,
  })
  drain_timeout_seconds!: number;

  @ApiProperty({
    description: 'How many masters the cluster has: while fewer are in Nova’s listing, no master reboot starts',
    example: 3,
  })
  masters!: number;
}
