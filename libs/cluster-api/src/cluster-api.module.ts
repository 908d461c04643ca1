import { type DynamicModule, Module } from '@nestjs/common';
import { ClusterRepository } from '@oshift/node-registry';
import { CLUSTER_API_OPTIONS, type ClusterApiOptions } from './cluster-api.options';
import { ClusterApis } from './cluster-apis';

/** The clusters' Kubernetes APIs, for a process that reads or acts on cluster nodes (gateway, worker). */
@Module({})
export class ClusterApiModule {
  static forRoot(options: ClusterApiOptions): DynamicModule {
    return {
      module: ClusterApiModule,
      providers: [{ provide: CLUSTER_API_OPTIONS, useValue: options }, ClusterRepository, ClusterApis],
      exports: [ClusterApis],
    };
  }
}
