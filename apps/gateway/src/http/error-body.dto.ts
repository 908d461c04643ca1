import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** Every error answer: `{"error": "…"}`, sometimes with more fields (documented where they occur). */
@ApiSchema({ name: 'Error', description: 'Every error answer; some carry more fields' })
export class ErrorBodyDto {
  @ApiProperty({ description: 'What went wrong, for people', example: 'Node Not found' })
  error!: string;
}
