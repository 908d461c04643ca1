/** @oshift/observability: logging, metrics, the probe server and withinTimeout (see docs/architecture.md). */
export * from './build-info';
export * from './context.logger';
export * from './dependency-checks';
export * from './log-context';
export * from './metrics-registry';
export * from './metrics-token';
export * from './nest-pino.logger';
export * from './observability.module';
export * from './probe.server';
export * from './process-logger';
export * from './redaction';
export * from './scrape-cache';
export * from './within-timeout';
