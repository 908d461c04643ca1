import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';

/** A refusal by the cluster's reboot rules (409: never allowed; 429: inside the node's cooldown). */
@ApiSchema({ name: 'RebootRefusal', description: 'A reboot the cluster’s rules refuse, and why' })
export class RebootRefusalDto extends ErrorBodyDto {
  @ApiProperty({ example: "The cluster's reboot rules refuse this reboot" })
  declare error: string;

  @ApiProperty({
    description: 'Why, in a sentence',
    example: "haproxy-0.openstacklocal is the cluster's only HAProxy node: rebooting it takes the cluster offline",
  })
  reason!: string;
}
