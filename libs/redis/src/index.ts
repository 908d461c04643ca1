/** @oshift/redis: the one place Redis connections are made (see docs/architecture.md). */
export * from './redis-connections';
export * from './redis-profiles';
export * from './redis-target';
export * from './redis-settings';
