export * from './job-id';
export * from './job-line.entity';
export * from './job-output';
export * from './job-state';
export * from './job.entity';
export * from './job.errors';
export * from './job.repository';
export * from './reboot-queue';
