import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessModule, CredentialVerifier, LoginThrottle, OidcTokenVerifier } from '@oshift/access';
import { RequestAudit } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { AccessChangeSubscriber } from './access-change.subscriber';
import { AuthGuard } from './auth.guard';
import { AuthRedisClient } from './auth-redis.client';
import { BasicStrategy } from './basic.strategy';
import { BearerStrategy } from './bearer.strategy';

/**
 * Who the caller is and what they may do: the global guard, HTTP Basic and SSO bearer strategies,
 * failed-login throttling, cross-replica credential-cache invalidation, and the audit of refusals.
 */
@Module({})
export class AuthModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [AccessModule.forRoot(config.access), PassportModule],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: AuthRedisClient, useFactory: () => new AuthRedisClient(config.redis.url) },
        {
          provide: LoginThrottle,
          inject: [AuthRedisClient],
          useFactory: (redis: AuthRedisClient) =>
            new LoginThrottle(redis.client, { redisPrefix: config.redis.prefix, ...config.auth.loginThrottle }),
        },
        {
          provide: OidcTokenVerifier,
          useFactory: () => (config.auth.oidc ? new OidcTokenVerifier(config.auth.oidc) : null),
        },
        {
          provide: AccessChangeSubscriber,
          inject: [CredentialVerifier],
          useFactory: (verifier: CredentialVerifier) =>
            new AccessChangeSubscriber(verifier, { redisUrl: config.redis.url, redisPrefix: config.redis.prefix }),
        },
        RequestAudit,
        BasicStrategy,
        BearerStrategy,
      ],
      exports: [RequestAudit],
    };
  }
}
