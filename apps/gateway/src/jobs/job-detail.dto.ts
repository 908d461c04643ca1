import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  type EtaBasis,
  type JobDetail,
  type JobKind,
  type JobLine,
  type JobLinesSince,
  JobViewStates,
  type JobViewState,
  RollingRoles,
  type RollingRole,
} from '@oshift/jobs';
import { JobOutputDto } from './job-output.dto';

const TIME = { type: 'string', format: 'date-time', example: '2026-11-30T23:59:59.123Z' } as const;
const STATE = {
  enum: [...JobViewStates],
  description:
    '(scheduled →) queued → (waiting) → running → done | failed; `scheduled`: accepted to start at its ' +
    '`not_before`, holding nothing until then (cancel it with DELETE); `waiting`: accepted, held back by the ' +
    'cluster’s reboot rules or maintenance windows (the first output line says why); it starts by itself when they allow',
  example: 'running',
} as const;

/** `kind` and `role`, shared by the job and the job list. */
export const KIND = {
  enum: ['reboot', 'rolling'],
  description:
    '`reboot`: one node; `rolling`: a rolling reboot of a role, node by node (its target is `rolling:<role>`)',
  example: 'reboot',
} as const;
/** `eta` and `eta_basis`, shared by the job and the job list. */
export const ETA = {
  ...TIME,
  required: false,
  description:
    'A reboot not ended yet: when it is expected to end, from the p50 duration (reboot POST accepted by Nova to ' +
    '`Done`) of the latest 20 successful reboots of the node, else of its role, else of the cluster, counted from ' +
    'the POST (from now while not sent). Only once the cluster’s rules let the reboot start; absent when there is ' +
    'no such history, and once the job has ended',
} as const;
export const ETA_BASIS = {
  enum: ['node', 'role', 'cluster'],
  required: false,
  description:
    'What `eta` was learnt from: this node’s reboots, else its role’s, else the cluster’s; absent with `eta`',
  example: 'node',
} as const;
export const ROLE = {
  enum: [...RollingRoles],
  required: false,
  description: 'A rolling reboot’s role; absent for a single reboot',
  example: 'worker',
} as const;

/** OpenAPI shape of a job's `window_override`. */
@ApiSchema({ name: 'WindowOverride', description: 'A customer started the job outside the maintenance windows' })
export class WindowOverrideDto {
  @ApiProperty({ description: 'Who', example: 'alice' })
  by!: string;

  @ApiProperty({ description: 'Their reason, as they gave it', example: 'INC-4711: node hung, cannot wait' })
  reason!: string;
}

/** OpenAPI shape of {@link JobDetail}. */
@ApiSchema({ name: 'Job', description: 'A job: the reference’s output and errors, with its state and times (UTC)' })
export class JobDetailDto extends JobOutputDto implements JobDetail {
  @ApiProperty(STATE)
  state!: JobViewState;

  @ApiProperty({ description: 'The node being rebooted', example: 'worker-0.openstacklocal' })
  target!: string;

  @ApiProperty({ enum: ['SOFT', 'HARD'], example: 'SOFT' })
  type!: 'SOFT' | 'HARD';

  @ApiProperty({ description: 'Who asked for the reboot', example: 'operator' })
  requested_by!: string;

  @ApiProperty({ ...TIME, description: 'When the reboot was accepted' })
  created_at!: string;

  @ApiProperty({ ...TIME, nullable: true, description: 'When a worker took the job up; null until then' })
  started_at!: string | null;

  @ApiProperty({ ...TIME, nullable: true, description: 'When the job ended; null until it has' })
  ended_at!: string | null;

  @ApiProperty(KIND)
  kind!: JobKind;

  @ApiProperty(ROLE)
  role?: RollingRole;

  @ApiProperty({
    required: false,
    description: 'Who cancelled the job (or the rest of a rolling reboot); absent unless someone did',
    example: 'operator',
  })
  cancelled_by?: string;

  @ApiProperty({
    ...TIME,
    required: false,
    description: 'A scheduled reboot’s earliest start (`not_before`); absent for one asked to start at once',
  })
  not_before?: string;

  @ApiProperty({
    required: false,
    type: WindowOverrideDto,
    description: 'Who started the job outside the cluster’s maintenance windows, and why; absent unless someone did',
  })
  window_override?: WindowOverrideDto;

  @ApiProperty(ETA)
  eta?: string;

  @ApiProperty(ETA_BASIS)
  eta_basis?: EtaBasis;
}

/** OpenAPI shape of {@link JobLine}. */
@ApiSchema({ name: 'JobLine', description: 'One output line' })
export class JobLineDto implements JobLine {
  @ApiProperty({ description: 'Its number, counting from 1', example: 3 })
  n!: number;

  @ApiProperty({ ...TIME, description: 'When it was written' })
  time!: string;

  @ApiProperty({ description: 'The line, `Done` and `Fail` included', example: 'worker-0.openstacklocal ACTIVE' })
  text!: string;
}

/** OpenAPI shape of {@link JobLinesSince}. */
@ApiSchema({ name: 'JobLinesSince', description: 'The lines after the N-th (`?since=N`)' })
export class JobLinesSinceDto implements JobLinesSince {
  @ApiProperty(STATE)
  state!: JobViewState;

  @ApiProperty({ description: 'Why the job failed; empty otherwise', example: '' })
  errors!: string;

  @ApiProperty({ type: JobLineDto, isArray: true })
  lines!: JobLine[];

  @ApiProperty({ description: 'The `n` of the last line returned (N when none): the next `since`', example: 3 })
  next!: number;
}
