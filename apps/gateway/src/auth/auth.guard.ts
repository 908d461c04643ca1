import { ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { IdentityProviderUnavailableError, isAllowed, type Principal, type Role } from '@oshift/access';
import { AuditOutcome } from '@oshift/audit';
import { RequestAudit } from '../audit/request-audit';
import { AccessDeniedError, NOT_FOUND, UnauthenticatedError } from '../http/request.errors';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { GatewayConfig } from '../gateway.config';
import { BasicStrategy } from './basic.strategy';
import { bearerToken } from './bearer.strategy';
import { PUBLIC_ROUTE, REQUIREMENT, type Requirement, SIGNED_IN_ROUTE } from './requires.decorator';

type AuthenticatedRequest = FastifyRequest & { user: Principal; params: Record<string, string> };

/** What a route's decorators ask of the guard. */
interface RouteAccess {
  isPublic: boolean;
  signedIn: boolean;
  requirement: Requirement | undefined;
}

/**
 * The one global guard: authenticates every request (HTTP Basic, or an SSO bearer token when
 * configured), then applies the access policy to the cluster in the path. A cluster the caller holds
 * no grant on is a 404, exactly like one that does not exist; a missing permission is the 404 its
 * route declares (and an audit record when the route asks for one).
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(['basic', 'bearer']) {
  private readonly logger = new Logger('Auth');
  private readonly routes = new WeakMap<object, Map<object, RouteAccess>>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly audit: RequestAudit,
    private readonly basic: BasicStrategy,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = this.routeOf(context);
    if (route.isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // Warm credentials are decided without a promise; the others go through passport (Basic or bearer).
    const warm = this.basic.warm(request);
    if (warm) {
      request.user = warm;
      return this.authorize(request, route);
    }
    return this.authenticate(context).then(() => this.authorize(request, route));
  }

  private async authenticate(context: ExecutionContext): Promise<void> {
    await super.canActivate(context);
  }

  /** The access policy on the cluster in the path, for an authenticated caller. */
  private authorize(request: AuthenticatedRequest, { signedIn, requirement }: RouteAccess): boolean | Promise<never> {
    if (signedIn) return true;
    const clusterId = request.params.clusterId ?? '';
    const roles = request.user.grants.get(clusterId);
    if (!roles || roles.length === 0) return this.refuse(request, requirement, clusterId, roles, NOT_FOUND);
    if (requirement && !isAllowed(roles, requirement.permission))
      return this.refuse(request, requirement, clusterId, roles, requirement.deniedMessage);
    return true;
  }

  /** What a route's decorators ask of the guard, read once per route (metadata lookups cost on every request). */
  private routeOf(context: ExecutionContext): RouteAccess {
    const [handler, controller] = [context.getHandler(), context.getClass()];
    // By controller, then handler: an inherited handler may serve two controllers, one of them @Public.
    let routes = this.routes.get(controller);
    if (!routes) this.routes.set(controller, (routes = new Map()));
    let route = routes.get(handler);
    if (!route) {
      route = {
        isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, controller]) === true,
        signedIn: this.reflector.get<boolean | undefined>(SIGNED_IN_ROUTE, handler) === true,
        requirement: this.reflector.get<Requirement | undefined>(REQUIREMENT, handler),
      };
      routes.set(handler, route);
    }
    return route;
  }

  override handleRequest<T>(error: unknown, user: T, _info: unknown, context: ExecutionContext): T {
    if (error instanceof IdentityProviderUnavailableError) {
      this.logger.warn({ msg: 'bearer token not checked: identity provider unavailable', error: error.message });
    }
    // Bad credentials are a `fail` (no error); an error is throttling (429), or means the check itself could
    // not run (Postgres or the identity provider down: 503), so a caller is never told its good password is wrong.
    if (error) throw error;
    if (!user) throw this.unauthorized(context.switchToHttp().getRequest<FastifyRequest>());
    return user;
  }

  /** 401 with the challenge of the scheme the caller tried: RFC 6750 for a refused bearer token, else Basic. */
  private unauthorized(request: FastifyRequest): UnauthenticatedError {
    const realm = this.config.http.authRealm;
    const refusedToken =
      this.config.auth.oidc !== undefined && bearerToken(request.headers.authorization) !== undefined;
    const challenge = refusedToken
      ? `Bearer realm="${realm}", error="invalid_token"`
      : `Basic realm="${realm}", charset="UTF-8"`;
    return new UnauthenticatedError(challenge);
  }

  /** Refuses with `message` (404), after the audit record of the denial when the route asks for one. */
  private async refuse(
    request: AuthenticatedRequest,
    requirement: Requirement | undefined,
    clusterId: string,
    roles: readonly Role[] | undefined,
    message: string,
  ): Promise<never> {
    if (requirement?.audit) {
      await this.audit.request(request, request.user, {
        action: requirement.audit.action,
        clusterId,
        target: requirement.audit.target(request),
        outcome: AuditOutcome.denied,
        detail: {
          reason: roles && roles.length > 0 ? `no ${requirement.permission} permission` : 'no role on the cluster',
        },
      });
    }
    throw new AccessDeniedError(message);
  }
}
