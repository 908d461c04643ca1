export * from './job-state'; export * from './job.entity'; export * from './job-line.entity';
