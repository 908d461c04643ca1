/** @oshift/cluster-api: each cluster's own Kubernetes/OpenShift API (nodes, cordon, pods, eviction), when connected. */
export * from './cluster-api';
export * from './cluster-api.errors';
export * from './cluster-api.module';
export * from './cluster-api.options';
export * from './cluster-apis';
export * from './cluster-readiness';
export * from './kube-cluster-api.client';
export * from './match-node';
