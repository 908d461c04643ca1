export * from './data-source-options';
export * from './embedded-postgres';
export * from './migrate';
export * from './persistence.module';
export * from './query-rows';
