export * from './webhook-admin';
export * from './webhook-deliveries.repository';
export * from './webhook-event';
export * from './webhook-url.policy';
export * from './webhook.deliverer';
export * from './webhook.sender';
