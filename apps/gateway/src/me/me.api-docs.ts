import { applyDecorators } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto';
import { SECURITY } from '../openapi/api-docs.decorators';
import { MeDto } from './me.dto';

/** `GET /api/me`. */
export function ApiMe(): MethodDecorator {
  return applyDecorators(
    ApiTags('me'),
    ApiBasicAuth(SECURITY.basic),
    ApiBearerAuth(SECURITY.bearer),
    ApiOperation({ operationId: 'getMe', summary: 'Who the caller is, and their clusters with their roles there' }),
    ApiOkResponse({ description: 'The caller', type: MeDto }),
    ApiUnauthorizedResponse({ description: 'No credentials, or wrong ones', type: ErrorBodyDto }),
  );
}
