import { DynamicModule, Module } from '@nestjs/common';
import { ClusterRepository } from './cluster.repository';
import { NodeRegistry } from './node-registry';
import { NodeStatusCache } from './node-status.cache';
import { NODE_REGISTRY_OPTIONS, type NodeRegistryOptions } from './node-registry.options';
import { OpenStackClients } from './openstack-clients';

/** The node registry of a process that needs to see or act on cluster VMs. */
@Module({})
export class NodeRegistryModule {
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
