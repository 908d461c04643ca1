/** @oshift/config: environment validation: parseConfig and the shared schema fragments (see docs/architecture.md). */
export * from './config.error';
export * from './parse-config';
export * from './schema-fragments';
export * from './telemetry.config';
