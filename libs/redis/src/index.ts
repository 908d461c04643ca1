export * from './redis-connections';
export * from './redis-profiles';
