import type { SimProjectSpec } from './sim.types';

/** Nodes of the demo cluster, as OpenShift on OpenStack names them. */
const DEMO_NODES = [
  'haproxy-0',
  'haproxy-1',
  'master-0',
  'master-1',
  'master-2',
  'infra-0',
  'infra-1',
  'worker-0',
  'worker-1',
  'worker-2',
];

/**
 * The demo cluster: ten ACTIVE servers `<node>.openstacklocal` in project `mycompany.cor00005.cna.ukcloud.com`
 * (domain Default), user `demo` / `demo-password`, and application credential `demo-app-cred` /
 * `demo-app-cred-secret`.
 */
export function demoProject(): SimProjectSpec {
  return {
    id: 'c0ffee0000000000000000000000cafe',
    name: 'mycompany.cor00005.cna.ukcloud.com',
    domain: 'Default',
    users: [{ name: 'demo', password: 'demo-password', domain: 'Default' }],
    applicationCredentials: [{ id: 'demo-app-cred', secret: 'demo-app-cred-secret', user: 'demo' }],
    servers: DEMO_NODES.map((node) => ({ name: `${node}.openstacklocal` })),
  };
}
