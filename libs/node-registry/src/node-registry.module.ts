import { DynamicModule, Module } from '@nestjs/common';
import { ContextLogger, type MetricsRegistry } from '@oshift/observability';
import { openStackCallMetrics } from '@oshift/openstack-client';
import { ClusterSecrets, type ClusterSecretsOptions } from './cluster-secrets';
import { ClusterRepository } from './cluster.repository';
import { NodeRegistry } from './node-registry';
import { NodeStatusCache } from './node-status.cache';
import { NODE_REGISTRY_OPTIONS, type NodeRegistryOptions } from './node-registry.options';
import { OpenStackClients } from './openstack-clients';

/** The node registry of a process that needs to see or act on cluster VMs. */
@Module({})
export class NodeRegistryModule {
  /**
   * The registry of a gateway or worker: cluster secrets from the process's environment, every OpenStack call
   * logged and measured in its metrics, and the cache, ceiling and timeout it chooses.
   */
  static forProcess(
    process: { secrets: ClusterSecretsOptions; metrics: MetricsRegistry },
    openstack: { timeoutMs: number },
    options: Omit<NodeRegistryOptions, 'secrets' | 'openstack'>,
  ): DynamicModule {
    return NodeRegistryModule.forRoot({
      secrets: new ClusterSecrets(process.secrets),
      openstack: {
        timeoutMs: openstack.timeoutMs,
        logger: new ContextLogger('OpenStack'),
        onCall: openStackCallMetrics(process.metrics),
      },
      ...options,
    });
  }

  static forRoot(options: NodeRegistryOptions): DynamicModule {
    return {
      module: NodeRegistryModule,
      providers: [
        { provide: NODE_REGISTRY_OPTIONS, useValue: options },
        ClusterRepository,
        OpenStackClients,
        {
          provide: NodeStatusCache,
          useFactory: async () => {
            const cache = NodeStatusCache.create(options.statusCache);
            // A process starting up waits briefly for Redis; until it answers, lookups ask Nova directly.
            await cache.ready();
            return cache;
          },
        },
        NodeRegistry,
      ],
      exports: [NodeRegistry, ClusterRepository],
    };
  }
}
