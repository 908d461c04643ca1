import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { auditEntities } from '@oshift/audit';
import { jobEntities, JobMetrics, JobLeases, REBOOT_JOB_OPTIONS, REBOOT_QUEUE } from '@oshift/jobs';
import { ClusterCallLimiter, ClusterSecrets, nodeRegistryEntities, NodeRegistryModule } from '@oshift/node-registry';
import { ContextLogger, MetricsRegistry, ObservabilityModule, openStackCallMetrics } from '@oshift/observability';
import { PersistenceModule } from '@oshift/persistence';
import { JobReconciler } from './job-reconciler';
import { RebootJobObserver } from './reboot-job.observer';
import { RebootHandler } from './reboot.handler';
import { RebootProcessor } from './reboot.processor';
import { RedisConnection } from './redis-connection';
import type { WorkerConfig } from './worker.config';
import { WorkerHttpServer } from './worker-http.server';
import { WORKER_CONFIG } from './worker.tokens';

/** The worker: consumes reboot jobs and drives OpenStack. No HTTP API of its own, only health and metrics. */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    const metrics = new MetricsRegistry();
    const redis = new RedisConnection(config.redis.url);
    const limiter = new ClusterCallLimiter(
      redis.client,
      config.redis.prefix,
      config.openstack.callsPerSecondPerCluster,
    );
    return {
      module: WorkerModule,
      imports: [
        ObservabilityModule.forRoot(metrics),
        PersistenceModule.forRoot(config.database, [...auditEntities, ...jobEntities, ...nodeRegistryEntities]),
        NodeRegistryModule.forRoot({
          secrets: new ClusterSecrets({ env: config.secretEnv, encryptionKey: config.openstack.encryptionKey }),
          openstack: {
            timeoutMs: config.openstack.timeoutMs,
            logger: new ContextLogger('OpenStack'),
            onCall: openStackCallMetrics(metrics),
          },
          limiter,
          statusCache: { redisUrl: config.redis.url, prefix: config.redis.prefix, ttlMs: config.nodeStatus.cacheMs },
        }),
        BullModule.forRoot({
          // Workers wait out Redis outages instead of failing commands (BullMQ requires null here).
          connection: { url: config.redis.url, maxRetriesPerRequest: null },
          prefix: config.redis.prefix,
        }),
        BullModule.registerQueue({ name: REBOOT_QUEUE, defaultJobOptions: REBOOT_JOB_OPTIONS }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: RedisConnection, useValue: redis },
        JobLeases,
        RebootHandler,
        RebootProcessor,
        JobReconciler,
        JobMetrics,
        RebootJobObserver,
        WorkerHttpServer,
      ],
    };
  }
}
