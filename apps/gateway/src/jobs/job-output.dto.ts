import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { JobOutput } from '@oshift/jobs';

/** OpenAPI shape of {@link JobOutput}. */
@ApiSchema({ name: 'JobOutput', description: 'A job’s output so far; it only grows. More fields may be added.' })
export class JobOutputDto implements JobOutput {
  @ApiProperty({
    description: 'One `<nodename> <STATUS>` line per observation, then `Done` or `Fail` once the job has ended',
    example: 'worker-0.openstacklocal REBOOT\nworker-0.openstacklocal ACTIVE\nDone',
  })
  output!: string;

  @ApiProperty({ description: 'Why the job failed; empty otherwise', example: '' })
  errors!: string;
}
