/** @oshift/audit: the append-only audit trail and its vocabulary (see docs/architecture.md). */
export * from './audit-event.entity';
export * from './audit-log';
export * from './audit-vocabulary';
export * from './audit.entities';
