export * from './access-policy'; export * from './user.entity'; export * from './grant.entity'; export * from './audit-event.entity';
