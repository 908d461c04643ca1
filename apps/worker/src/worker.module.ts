import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { auditEntities } from '@oshift/audit';
import { jobEntities, JobMetrics, JobLeases, REBOOT_JOB_OPTIONS, REBOOT_QUEUE } from '@oshift/jobs';
import { ClusterCallLimiter, ClusterSecrets, nodeRegistryEntities, NodeRegistryModule } from '@oshift/node-registry';
import { ContextLogger, MetricsRegistry, ObservabilityModule } from '@oshift/observability';
import { openStackCallMetrics } from '@oshift/openstack-client';
import { PersistenceModule } from '@oshift/persistence';
import { queueConnection, RedisConnections } from '@oshift/redis';
import { JobReconciler } from './job-reconciler';
import { RebootJobObserver } from './reboot-job.observer';
import { RebootHandler } from './reboot.handler';
import { RebootProcessor } from './reboot.processor';
import type { WorkerConfig } from './worker.config';
import { WorkerHttpServer } from './worker-http.server';
import { WORKER_CONFIG } from './worker.tokens';

/** The worker: consumes reboot jobs and drives OpenStack. No HTTP API of its own, only health and metrics. */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    const metrics = new MetricsRegistry();
    // Besides BullMQ's, one connection: commands for the call ceiling and the node-status cache.
    const redis = new RedisConnections(config.redis.url);
    const limiter = new ClusterCallLimiter(
      redis.commands,
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
          statusCache: { redis: redis.commands, prefix: config.redis.prefix, ttlMs: config.nodeStatus.cacheMs },
        }),
        BullModule.forRoot({
          connection: queueConnection(config.redis.url, 'consumer'),
          prefix: config.redis.prefix,
        }),
        BullModule.registerQueue({ name: REBOOT_QUEUE, defaultJobOptions: REBOOT_JOB_OPTIONS }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: RedisConnections, useValue: redis },
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
