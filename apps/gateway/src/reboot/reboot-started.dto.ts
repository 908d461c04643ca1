import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { RebootStarted } from './reboot.service';

/** OpenAPI shape of {@link RebootStarted}. */
@ApiSchema({ name: 'RebootStarted', description: 'An accepted reboot: the job to follow' })
export class RebootStartedDto implements RebootStarted {
  @ApiProperty({
    enum: ['started', 'scheduled'],
    description: '`scheduled`: asked with a not_before still ahead; the job starts by itself then',
    example: 'started',
  })
  state!: 'started' | 'scheduled';

  @ApiProperty({ description: '128 random bits, base64url', example: 'b7Qx0WmXrJ2i5Y1nQm8k3A' })
  job_id!: string;

  @ApiProperty({
    format: 'uri',
    description: 'Where to follow the job (also in the Location header)',
    example:
      'https://self-service.example.com/api/openshift/mycompany.cor00005.cna.ukcloud.com/job/b7Qx0WmXrJ2i5Y1nQm8k3A',
  })
  status_url!: string;
}
