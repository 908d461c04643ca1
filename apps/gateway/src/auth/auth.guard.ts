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

/**
 * The one global guard: authenticates every request (HTTP Basic, or an SSO bearer token when
 * configured), then applies the access policy to the cluster in the path. A cluster the caller holds
 * no grant on is a 404, exactly like one that does not exist; a missing permission is the 404 its
 * route declares (and an audit record when the route asks for one).
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(['basic', 'bearer']) {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly audit: RequestAudit,
    private readonly basic: BasicStrategy,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const warm = await this.basic.fromCache(request);
    if (warm) request.user = warm;
    else await super.canActivate(context);
    if (this.reflector.get<boolean | undefined>(SIGNED_IN_ROUTE, context.getHandler())) return true;
    const clusterId = request.params.clusterId ?? '';
    const roles = request.user.grants.get(clusterId);
    const requirement = this.reflector.get<Requirement | undefined>(REQUIREMENT, context.getHandler());
    if (!roles || roles.length === 0) {
      await this.denied(request, requirement, clusterId, roles);
      throw new AccessDeniedError(NOT_FOUND);
    }
    if (requirement && !isAllowed(roles, requirement.permission)) {
      await this.denied(request, requirement, clusterId, roles);
      throw new AccessDeniedError(requirement.deniedMessage);
    }
    return true;
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

  private async denied(
    request: AuthenticatedRequest,
    requirement: Requirement | undefined,
    clusterId: string,
    roles: readonly Role[] | undefined,
  ): Promise<void> {
    if (!requirement?.audit) return;
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
}
