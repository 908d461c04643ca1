/** @oshift/jobs: the gateway↔worker contract: job rows (JobRequests, JobLeases), queue name, payload and errors, the customers' views of jobs (JobViews) and the job events workers publish (see docs/architecture.md). */
export * from './job-events';
export * from './job-id';
export * from './job-line.entity';
export * from './job-output';
export * from './job-state';
export * from './job-view';
export * from './job-views.repository';
export * from './job.entity';
export * from './job.entities';
export * from './job.errors';
export * from './job.metrics';
export * from './job-leases';
export * from './job-requests';
export * from './reboot-queue';
export * from './reboot-policy';
export * from './cluster-rules';
export * from './reboot-queue.module';
