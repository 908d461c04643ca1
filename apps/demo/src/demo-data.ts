import { AccessAdmin, PasswordHasher, accessEntities } from '@oshift/access';
import { auditEntities } from '@oshift/audit';
import { ClusterAdmin, nodeRegistryEntities } from '@oshift/node-registry';
import type { SimProjectSpec } from '@oshift/openstack-sim';
import type { DataSource } from 'typeorm';

export const DEMO_CLUSTER = 'mycompany.cor00005.cna.ukcloud.com';
/** Variable the demo cluster's OpenStack password is read from (never stored in the database). */
export const DEMO_SECRET_VARIABLE = 'OSHIFT_SECRET_DEMO_OPENSTACK';
/** Variable the demo cluster's Kubernetes API token is read from (never stored in the database). */
export const DEMO_KUBE_TOKEN_VARIABLE = 'OSHIFT_SECRET_DEMO_KUBE';
export const DEMO_USERS = [
  { username: 'viewer', password: 'viewer', role: 'read' as const },
  { username: 'operator', password: 'operator', role: 'reboot' as const },
];

const ACTOR = 'demo-setup';

/** The entities {@link seedDemoData} writes through: its data source must be given them all. */
export const demoEntities = [...accessEntities, ...auditEntities, ...nodeRegistryEntities];

/**
 * Creates (or refreshes) the demo cluster and users. Only ever called in demo mode. With `kubeApiUrl` (the
 * simulator's Kubernetes API of the project), the cluster is connected to it, its token read from
 * {@link DEMO_KUBE_TOKEN_VARIABLE}.
 */
export async function seedDemoData(
  dataSource: DataSource,
  project: SimProjectSpec,
  identityUrl: string,
  kubeApiUrl?: string,
): Promise<void> {
  const user = project.users[0];
  await new ClusterAdmin(dataSource, { source: 'demo' }).upsert(
    {
      id: DEMO_CLUSTER,
      authUrl: identityUrl,
      region: 'RegionOne',
      interface: 'public',
      projectName: project.name,
      projectDomain: project.domain ?? 'Default',
      username: user.name,
      userDomain: user.domain ?? 'Default',
      secretRef: `env:${DEMO_SECRET_VARIABLE}`,
      ...(kubeApiUrl ? { kubeApiUrl, kubeTokenRef: `env:${DEMO_KUBE_TOKEN_VARIABLE}` } : {}),
    },
    ACTOR,
  );
  const access = new AccessAdmin(dataSource, new PasswordHasher(), { source: 'demo', minPasswordLength: 1 });
  const existing = new Set((await access.listUsers()).map((entry) => entry.username));
  for (const demo of DEMO_USERS) {
    if (!existing.has(demo.username)) await access.addUser(demo.username, demo.password, ACTOR);
    await access.grant(demo.username, DEMO_CLUSTER, demo.role, ACTOR);
  }
}
