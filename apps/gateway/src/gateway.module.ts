import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { accessEntities } from '@oshift/access';
import { auditEntities } from '@oshift/audit';
import {
  ClusterRules,
  JobCancels,
  jobEntities,
  JobEventPublisher,
  JobMetrics,
  JobRequests,
  JobViews,
  rebootQueueModules,
} from '@oshift/jobs';
import { ClusterApiModule } from '@oshift/cluster-api';
import { ClusterSecrets, nodeRegistryEntities, NodeRegistryModule } from '@oshift/node-registry';
import { MetricsRegistry, ObservabilityModule, registerBuildInfo } from '@oshift/observability';
import { PersistenceModule } from '@oshift/persistence';
import { RedisConnections } from '@oshift/redis';
import { queueTelemetry } from '@oshift/telemetry';
import { AuthModule } from './auth/auth.module';
import type { GatewayConfig } from './gateway.config';
import { GATEWAY_CONFIG } from './gateway.tokens';
import { HealthController } from './health/health.controller';
import { JsonExceptionFilter } from './http/json-exception.filter';
import { QueryParametersModule } from './http/query-parameters.module';
import { JobCancelService } from './jobs/job-cancel.service';
import { JobLinks } from './jobs/job-links';
import { JobController } from './jobs/job.controller';
import { JobFeedHub } from './jobs/job-feed.hub';
import { StreamSlots } from './jobs/stream-slots';
import { MeController } from './me/me.controller';
import { MetricsServer } from './metrics/metrics.server';
import { NodeReadiness } from './nodes/node-readiness';
import { NodeStatusController } from './nodes/node-status.controller';
import { ClusterPolicyController } from './policy/cluster-policy.controller';
import { JobIntake } from './reboot/job-intake';
import { RebootController } from './reboot/reboot.controller';
import { RebootProducer } from './reboot/reboot.producer';
import { RebootRules } from './reboot/reboot-rules';
import { ClusterPolicyCache } from './reboot/cluster-policy.cache';
import { RebootService } from './reboot/reboot.service';
import { RollingRebootController } from './reboot/rolling-reboot.controller';
import { RollingRebootService } from './reboot/rolling-reboot.service';
import { RollingRules } from './reboot/rolling-rules';
import { WebAssets } from './web/web-assets';
import { WebPageController } from './web/web-page.controller';

/** The HTTP API: authenticates, authorises, validates, records jobs and enqueues them. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const metrics = new MetricsRegistry();
    registerBuildInfo(metrics, config.revision);
    // Besides BullMQ's: one connection for commands (login throttle, node-status cache), one for pub/sub.
    const redis = new RedisConnections(config.redis.target);
    const auth = AuthModule.forRoot(config, redis);
    return {
      module: GatewayModule,
      imports: [
        ObservabilityModule.forRoot(metrics),
        PersistenceModule.forRoot(config.database, [
          ...accessEntities,
          ...auditEntities,
          ...jobEntities,
          ...nodeRegistryEntities,
        ]),
        auth,
        // After `auth`: its guard runs after the authentication guard.
        QueryParametersModule.after(auth),
        NodeRegistryModule.forProcess({ secrets: config.secrets, metrics }, config.openstack, {
          statusCache: {
            redis: redis.commands,
            prefix: config.redis.prefix,
            ttlMs: config.nodeStatus.cacheMs,
            lockMs: config.nodeStatus.timeoutMs,
          },
          lookupTimeoutMs: config.nodeStatus.timeoutMs,
        }),
        ClusterApiModule.forRoot({
          secrets: new ClusterSecrets(config.secrets),
          timeoutMs: config.kubernetes.timeoutMs,
        }),
        ...rebootQueueModules(redis, config.redis.prefix, 'producer', queueTelemetry(config.telemetry)),
      ],
      controllers: [
        NodeStatusController,
        RebootController,
        RollingRebootController,
        ClusterPolicyController,
        JobController,
        MeController,
        HealthController,
        WebPageController,
      ],
      providers: [
        NodeReadiness,
        RebootService,
        RebootRules,
        ClusterPolicyCache,
        RollingRebootService,
        RollingRules,
        JobIntake,
        ClusterRules,
        RebootProducer,
        JobRequests,
        JobViews,
        JobCancels,
        JobCancelService,
        JobFeedHub,
        StreamSlots,
        JobLinks,
        JobMetrics,
        MetricsServer,
        { provide: APP_FILTER, useClass: JsonExceptionFilter },
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: RedisConnections, useValue: redis },
        // Ends the gateway announces as a worker does (a cancelled job's Fail), on the process's commands connection.
        { provide: JobEventPublisher, useFactory: () => new JobEventPublisher(redis.commands, config.redis.prefix) },
        { provide: WebAssets, useValue: new WebAssets(config.web.root) },
      ],
    };
  }
}
