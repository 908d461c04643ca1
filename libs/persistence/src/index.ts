/** @oshift/persistence: the data source, migrations, queryRows and embedded Postgres (see docs/architecture.md). */
export * from './data-source-options';
export * from './embedded-postgres';
export * from './migrate';
export * from './persistence.module';
export * from './query-rows';
export * from './pool-query';
