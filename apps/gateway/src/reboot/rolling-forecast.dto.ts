import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { RebootForecastDto } from './reboot-forecast.dto';

/** OpenAPI shape of a rolling reboot's dry run. */
@ApiSchema({
  name: 'RollingRebootForecast',
  description: 'What a rolling reboot would do now (dry run): its first node’s forecast and every node, in order',
})
export class RollingForecastDto extends RebootForecastDto {
  @ApiProperty({
    type: 'string',
    isArray: true,
    description: 'The nodes it would reboot, one at a time, in this order',
    example: ['worker-0.openstacklocal', 'worker-1.openstacklocal', 'worker-2.openstacklocal'],
  })
  nodes!: string[];
}
