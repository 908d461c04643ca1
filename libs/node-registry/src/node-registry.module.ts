import { DynamicModule, Module } from '@nestjs/common';
import { ClusterRepository } from './cluster.repository';
import { NodeRegistry } from './node-registry';
import { NODE_REGISTRY_OPTIONS, type NodeRegistryOptions, OpenStackClients } from './openstack-clients';

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
        NodeRegistry,
      ],
      exports: [NodeRegistry, ClusterRepository],
    };
  }
}
