export * from './cluster.entity';
