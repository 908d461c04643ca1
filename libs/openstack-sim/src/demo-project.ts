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

/** Nodes of a fleet cluster: two HAProxy nodes, three masters, two infra nodes and `workers` workers. */
function fleetNodes(workers: number): string[] {
  const roles: [string, number][] = [
    ['haproxy', 2],
    ['master', 3],
    ['infra', 2],
    ['worker', workers],
  ];
  return roles.flatMap(([role, count]) => Array.from({ length: count }, (_, i) => `${role}-${i}.openstacklocal`));
}

/**
 * `count` more clusters for scale tests, one project each: project `fleet-NNNN.cna.example.test` (domain Default),
 * user `fleet-NNNN` / `fleet-NNNN-password`, nodes as {@link fleetNodes} names them (the same names in every
 * project, as in real clusters).
 */
export function fleetProjects(count: number, workers = 3): SimProjectSpec[] {
  return Array.from({ length: count }, (_, index) => {
    const tag = `fleet-${String(index).padStart(4, '0')}`;
    return {
      id: `f1ee7${String(index).padStart(27, '0')}`,
      name: `${tag}.cna.example.test`,
      users: [{ name: tag, password: `${tag}-password` }],
      servers: fleetNodes(workers).map((name) => ({ name })),
    };
  });
}

/**
 * The nodes of a cluster the OpenShift 4 installer built (infra id `ocp-x7k2p`): three masters
 * `ocp-x7k2p-master-<n>`, three workers and two infra nodes `<infra-id>-<role>-<n>-<random suffix>`, for tests
 * of the installer's naming style (use them as a project's `servers`).
 */
export function installerNodes(infraId = 'ocp-x7k2p'): string[] {
  return [
    ...[0, 1, 2].map((n) => `${infraId}-master-${n}`),
    `${infraId}-worker-0-bcdfg`,
    `${infraId}-worker-1-hjklm`,
    `${infraId}-worker-2-npqrs`,
    `${infraId}-infra-0-tvwxz`,
    `${infraId}-infra-1-k2m4q`,
  ];
}
