import { AuditEventEntity } from './audit-event.entity';

/** The entities of the audit lib, for the process's persistence module. */
export const auditEntities = [AuditEventEntity];
