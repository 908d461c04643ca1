import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal } from '@oshift/access';

/** The authenticated caller of this request. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);
