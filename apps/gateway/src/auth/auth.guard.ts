import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { isAllowed, type Principal } from '@oshift/access';
import { ApiError, NOT_FOUND } from '../http/api-error';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { GatewayConfig } from '../gateway.config';
import { PUBLIC_ROUTE, REQUIREMENT, type Requirement } from './requires.decorator';

/**
 * The one global guard: authenticates every request (HTTP Basic), then applies the access policy to
 * the cluster in the path. A cluster the caller holds no grant on is a 404, exactly like one that
 * does not exist; a missing permission is the 404 its route declares.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard('basic') {
  constructor(
    private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    await super.canActivate(context);
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user: Principal; params: Record<string, string> }>();
    const roles = request.user.grants.get(request.params.clusterId ?? '');
    if (!roles || roles.length === 0) throw new ApiError(404, NOT_FOUND);

    const requirement = this.reflector.get<Requirement | undefined>(REQUIREMENT, context.getHandler());
    if (requirement && !isAllowed(roles, requirement.permission)) throw new ApiError(404, requirement.deniedMessage);
    return true;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error || !user) {
      throw new ApiError(
        401,
        'Unauthorized',
        {},
        { 'www-authenticate': `Basic realm="${this.config.http.authRealm}", charset="UTF-8"` },
      );
    }
    return user;
  }
}
