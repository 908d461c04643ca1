import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';

/** The 409 answer: a reboot of that node is already running, and this is its job. */
@ApiSchema({ name: 'RebootConflict', description: 'A reboot of that node is already running' })
export class RebootConflictDto extends ErrorBodyDto {
  @ApiProperty({ example: 'A reboot of this node is already running' })
  declare error: string;

  @ApiProperty({ description: 'The running job', example: 'b7Qx0WmXrJ2i5Y1nQm8k3A' })
  job_id!: string;

  @ApiProperty({ format: 'uri', description: 'Where to follow the running job' })
  status_url!: string;
}
