/** @oshift/openstack-sim: the Keystone + Nova simulator for tests and the demo (see docs/architecture.md). */
export * from './sim.types';
export * from './sim-knobs';
export * from './nova-states';
export * from './nova-instance.model';
export * from './demo-project';
export * from './openstack-simulator';
export * from './sim-stats';
export type { SimServerHistory } from './sim-cloud';
export type { SimKubeAccess, SimKubeNode, SimKubePod, SimKubeStats, SimPodsAtReboot } from './kube-cluster.model';
export type { LabelSelector } from './kube-pdb';
