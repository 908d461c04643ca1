import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { JobRepository, REBOOT_QUEUE } from '@oshift/jobs';
import { ClusterSecrets, NodeRegistryModule } from '@oshift/node-registry';
import { PersistenceModule } from '@oshift/persistence';
import { JobReconciler } from './job-reconciler';
import { RebootHandler } from './reboot.handler';
import { RebootProcessor } from './reboot.processor';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** The worker: consumes reboot jobs and drives OpenStack. No HTTP API of its own. */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        PersistenceModule.forRoot(config.database),
        NodeRegistryModule.forRoot({
          secrets: new ClusterSecrets({ env: config.secretEnv, encryptionKey: config.openstack.encryptionKey }),
          openstack: { timeoutMs: config.openstack.timeoutMs },
        }),
        BullModule.forRoot({
          // Workers wait out Redis outages instead of failing commands (BullMQ requires null here).
          connection: { url: config.redis.url, maxRetriesPerRequest: null },
          prefix: config.redis.prefix,
        }),
        BullModule.registerQueue({ name: REBOOT_QUEUE }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        JobRepository,
        RebootHandler,
        RebootProcessor,
        JobReconciler,
      ],
    };
  }
}
