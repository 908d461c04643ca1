/** @oshift/openstack-client: our Keystone v3 + Nova v2.1 client, and what Nova's answers mean for a reboot (see docs/architecture.md). */
export * from './openstack.options';
export * from './openstack.errors';
export * from './openstack-call.metrics';
export * from './openstack-error.parser';
export * from './keystone-auth.request';
export * from './keystone-token.parser';
export * from './nova.types';
export * from './nova-server.parser';
export * from './nova-action.request';
export * from './retry-policy';
export * from './http-transport';
export * from './keystone-session';
export * from './nova.client';
export * from './nova-reboot';
export * from './nova-reboot-answer';
