import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { type EtaBasis, type JobKind, JobViewStates, type JobViewState, type RollingRole } from '@oshift/jobs';
import { ETA, ETA_BASIS, KIND, ROLE } from './job-detail.dto';

/** One job of the list. */
@ApiSchema({ name: 'JobSummary', description: 'A job of the cluster' })
export class JobSummaryDto {
  @ApiProperty({ example: 'b7Qx0WmXrJ2i5Y1nQm8k3A' })
  job_id!: string;

  @ApiProperty({ example: 'worker-0.openstacklocal' })
  target!: string;

  @ApiProperty({ enum: ['SOFT', 'HARD'], example: 'SOFT' })
  type!: 'SOFT' | 'HARD';

  @ApiProperty({ enum: [...JobViewStates], example: 'done' })
  state!: JobViewState;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'null until the job ends' })
  ended_at!: string | null;

  @ApiProperty(KIND)
  kind!: JobKind;

  @ApiProperty(ROLE)
  role?: RollingRole;

  @ApiProperty(ETA)
  eta?: string;

  @ApiProperty(ETA_BASIS)
  eta_basis?: EtaBasis;

  @ApiProperty({ format: 'uri', description: 'Where to follow the job' })
  status_url!: string;
}

/** `GET jobs`. */
@ApiSchema({ name: 'JobList', description: 'A page of the cluster’s jobs, newest first' })
export class JobListDto {
  @ApiProperty({ type: JobSummaryDto, isArray: true })
  jobs!: JobSummaryDto[];

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass as `before` for the next page; null on the last page',
  })
  next!: string | null;
}
