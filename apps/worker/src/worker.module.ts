import { DynamicModule, Module } from '@nestjs/common';
import { auditEntities } from '@oshift/audit';
import { jobEntities, JobMetrics, JobLeases, rebootQueueModules } from '@oshift/jobs';
import { ClusterCallLimiter, nodeRegistryEntities, NodeRegistryModule } from '@oshift/node-registry';
import { MetricsRegistry, ObservabilityModule } from '@oshift/observability';
import { PersistenceModule } from '@oshift/persistence';
import { RedisConnections } from '@oshift/redis';
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
        NodeRegistryModule.forProcess({ secretEnv: config.secretEnv, metrics }, config.openstack, {
          limiter,
          statusCache: { redis: redis.commands, prefix: config.redis.prefix, ttlMs: config.nodeStatus.cacheMs },
        }),
        ...rebootQueueModules(config.redis, 'consumer'),
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
