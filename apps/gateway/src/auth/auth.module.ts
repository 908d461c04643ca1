import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessModule, CredentialVerifier, LoginThrottle, OidcTokenVerifier } from '@oshift/access';
import type { RedisConnections } from '@oshift/redis';
import { RequestAudit } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { AccessChangeSubscriber } from './access-change.subscriber';
import { AuthGuard } from './auth.guard';
import { BasicStrategy } from './basic.strategy';
import { BearerStrategy } from './bearer.strategy';

/**
 * Who the caller is and what they may do: the global guard, HTTP Basic and SSO bearer strategies,
 * failed-login throttling, cross-replica credential-cache invalidation, and the audit of refusals.
 */
@Module({})
export class AuthModule {
  static forRoot(config: GatewayConfig, redis: RedisConnections): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        AccessModule.forRoot({ ...config.access, passwordVerification: config.auth.passwordVerification }),
        PassportModule,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: AuthGuard },
        {
          provide: LoginThrottle,
          useFactory: () =>
            new LoginThrottle(
              redis.commands,
              { redisPrefix: config.redis.prefix, ...config.auth.loginThrottle },
              redis.subscriber,
            ),
        },
        {
          provide: OidcTokenVerifier,
          useFactory: () => (config.auth.oidc ? new OidcTokenVerifier(config.auth.oidc) : null),
        },
        {
          provide: AccessChangeSubscriber,
          inject: [CredentialVerifier],
          useFactory: (verifier: CredentialVerifier) =>
            new AccessChangeSubscriber(verifier, redis.subscriber, config.redis.prefix),
        },
        RequestAudit,
        BasicStrategy,
        BearerStrategy,
      ],
      exports: [RequestAudit],
    };
  }
}
