/** @oshift/node-registry: clusters, their OpenStack credentials and nodes, the node-status cache and the call ceiling (see docs/architecture.md). */
export * from './cluster-call-limiter';
export * from './cluster-node';
export * from './cluster-secrets';
export * from './cluster.entity';
export * from './cluster.repository';
export * from './natural-order';
export * from './node-registry';
export * from './node-registry.errors';
export * from './node-registry.module';
export * from './node-registry.options';
export * from './node-registry.entities';
export * from './node-status.cache';
export * from './openstack-clients';
export * from './cluster-admin';
export * from './cluster-admin.errors';
