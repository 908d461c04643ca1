import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { auditEntities } from '@oshift/audit';
import {
  ClusterRules,
  JobAdmissions,
  JobCancels,
  JobEventPublisher,
  jobEntities,
  JobLeases,
  JobSilences,
  JobMetrics,
  JobRequests,
  JobRetention,
  MONITORED_QUEUES,
  rebootQueueModules,
  RollingJobs,
  WatchedJobs,
} from '@oshift/jobs';
import { ClusterApiModule } from '@oshift/cluster-api';
import { ClusterCallLimiter, ClusterSecrets, nodeRegistryEntities, NodeRegistryModule } from '@oshift/node-registry';
import { MetricsRegistry, ObservabilityModule, registerBuildInfo } from '@oshift/observability';
import { PersistenceModule } from '@oshift/persistence';
import { RedisConnections } from '@oshift/redis';
import { queueTelemetry } from '@oshift/telemetry';
import {
  WEBHOOK_JOB_OPTIONS,
  WEBHOOK_QUEUE,
  WebhookDeliverer,
  WebhookDeliveries,
  WebhookSender,
} from '@oshift/webhooks';
import { AlertmanagerClient } from './alertmanager.client';
import { JobAnnouncer } from './job-announcer';
import { RebootSilencer } from './reboot-silencer';
import { JobReconciler } from './job-reconciler';
import { RetentionSweeper } from './retention-sweeper';
import { NodeDrainer } from './node-drainer';
import { RebootJobObserver } from './reboot-job.observer';
import { ClusterWatcher } from './cluster-watcher';
import { RebootHandler } from './reboot.handler';
import { RebootSender } from './reboot-sender';
import { RollingHandler } from './rolling.handler';
import { RebootProcessor } from './reboot.processor';
import type { WorkerConfig } from './worker.config';
import { WorkerHttpServer } from './worker-http.server';
import { WORKER_CONFIG } from './worker.tokens';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookProcessor } from './webhook.processor';

/** The worker: consumes reboot jobs and drives OpenStack. No HTTP API of its own, only health and metrics. */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    const metrics = new MetricsRegistry();
    registerBuildInfo(metrics, config.revision);
    // Besides BullMQ's, one connection: commands for the call ceiling, the node-status cache and job events.
    const redis = new RedisConnections(config.redis.target);
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
        NodeRegistryModule.forProcess({ secrets: config.secrets, metrics }, config.openstack, {
          limiter,
          statusCache: { redis: redis.commands, prefix: config.redis.prefix, ttlMs: config.nodeStatus.cacheMs },
        }),
        ClusterApiModule.forRoot({
          secrets: new ClusterSecrets(config.secrets),
          timeoutMs: config.kubernetes.timeoutMs,
        }),
        ...rebootQueueModules(redis, config.redis.prefix, 'consumer', queueTelemetry(config.telemetry)),
        BullModule.registerQueue({ name: WEBHOOK_QUEUE, defaultJobOptions: WEBHOOK_JOB_OPTIONS }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: RedisConnections, useValue: redis },
        JobLeases,
        JobSilences,
        AlertmanagerClient,
        RebootSilencer,
        JobRequests,
        ClusterRules,
        JobAdmissions,
        JobCancels,
        WatchedJobs,
        RollingJobs,
        RebootSender,
        NodeDrainer,
        RollingHandler,
        ClusterWatcher,
        RebootHandler,
        RebootProcessor,
        JobReconciler,
        JobRetention,
        RetentionSweeper,
        JobMetrics,
        { provide: MONITORED_QUEUES, inject: [getQueueToken(WEBHOOK_QUEUE)], useFactory: (queue: Queue) => [queue] },
        RebootJobObserver,
        WorkerHttpServer,
        { provide: JobEventPublisher, useValue: new JobEventPublisher(redis.commands, config.redis.prefix) },
        {
          provide: WebhookDeliveries,
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => new WebhookDeliveries(dataSource),
        },
        {
          provide: WebhookDeliverer,
          inject: [WebhookDeliveries],
          useFactory: (deliveries: WebhookDeliveries) =>
            new WebhookDeliverer(
              deliveries,
              new ClusterSecrets(config.secrets),
              new WebhookSender(config.webhooks),
              config.webhooks.publicUrl,
            ),
        },
        WebhookDispatcher,
        WebhookProcessor,
        JobAnnouncer,
      ],
    };
  }
}
