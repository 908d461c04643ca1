/** @oshift/webhooks: job-end webhooks: the URL policy, the signed sender, deliveries and the operator's WebhookAdmin (see docs/operators.md). */
export * from './webhook-admin';
export * from './webhook-deliveries.repository';
export * from './webhook-event';
export * from './webhook-secret';
export * from './webhook-settings';
export * from './webhook-url.policy';
export * from './webhook.deliverer';
export * from './webhook.sender';
