/** @oshift/testing: the test harness: services, processes, proxies, an OIDC provider (see docs/architecture.md). */
export * from './app-process';
export * from './free-port';
export * from './service-discovery';
export * from './tcp-proxy';
export * from './test-environment';
export * from './unique-name';
export * from './oidc-test-provider';
export * from './redis-keys';
export * from './deploy-manifests';
export * from './event-stream.client';
export * from './browser';
export * from './legacy-sealed-secret';
export * from './redis-topologies';
export * from './postgres-pair';
export * from './documented-settings';
