import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessModule } from '@oshift/access';
import { JobRepository, REBOOT_JOB_OPTIONS, REBOOT_QUEUE } from '@oshift/jobs';
import { ClusterSecrets, NodeRegistryModule } from '@oshift/node-registry';
import { PersistenceModule } from '@oshift/persistence';
import { AuthGuard } from './auth/auth.guard';
import { BasicStrategy } from './auth/basic.strategy';
import type { GatewayConfig } from './gateway.config';
import { GATEWAY_CONFIG } from './gateway.tokens';
import { HealthController } from './health/health.controller';
import { JsonExceptionFilter } from './http/json-exception.filter';
import { JobController } from './jobs/job.controller';
import { NodeStatusController } from './nodes/node-status.controller';
import { RebootController } from './reboot/reboot.controller';
import { RebootProducer } from './reboot/reboot.producer';
import { RebootService } from './reboot/reboot.service';

/** The HTTP API: authenticates, authorises, validates, records jobs and enqueues them. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        PersistenceModule.forRoot(config.database),
        AccessModule.forRoot(config.access),
        NodeRegistryModule.forRoot({
          secrets: new ClusterSecrets({ env: config.secretEnv, encryptionKey: config.openstack.encryptionKey }),
          openstack: { timeoutMs: config.openstack.timeoutMs },
        }),
        PassportModule,
        BullModule.forRoot({
          // A producer must fail fast when Redis is away, so the caller gets a 503 instead of a hang.
          connection: { url: config.redis.url, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
          prefix: config.redis.prefix,
        }),
        BullModule.registerQueue({
          name: REBOOT_QUEUE,
          defaultJobOptions: REBOOT_JOB_OPTIONS,
        }),
      ],
      controllers: [NodeStatusController, RebootController, JobController, HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: JsonExceptionFilter },
        BasicStrategy,
        JobRepository,
        RebootProducer,
        RebootService,
      ],
    };
  }
}
