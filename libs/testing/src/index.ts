export * from './app-process';
export * from './free-port';
export * from './service-discovery';
export * from './tcp-proxy';
export * from './test-environment';
export * from './unique-name';
export * from './oidc-test-provider';
export * from './redis-keys';
