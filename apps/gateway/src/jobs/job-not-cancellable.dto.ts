import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';

/** The 409 of a cancel: nothing of the job can be cancelled, and why. */
@ApiSchema({ name: 'JobNotCancellable', description: 'Nothing of the job can be cancelled' })
export class JobNotCancellableDto extends ErrorBodyDto {
  @ApiProperty({ example: 'Nothing to cancel' })
  declare error: string;

  @ApiProperty({ example: 'b7Qx0WmXrJ2i5Y1nQm8k3A' })
  job_id!: string;

  @ApiProperty({
    description: 'Why: the job has ended, or its reboot was already sent',
    example: 'the reboot was already sent; it runs to its end',
  })
  reason!: string;
}
