import { DataSource } from 'typeorm';
import { demoProject } from '@oshift/openstack-sim';
import { dataSourceOptions } from '@oshift/persistence';
import type { DemoConfig } from './demo.config';
import { DEMO_CLUSTER, DEMO_USERS, demoEntities, seedDemoData } from './demo-data';

/**
 * `demo seed` (the compose demo profile's one-shot service): registers the demo cluster, reached at
 * DEMO_IDENTITY_URL (and connected to its Kubernetes API at DEMO_KUBE_API_URL when set), and the demo users in the
 * migrated database DATABASE_URL names, then returns.
 */
export async function seedDemo(config: DemoConfig): Promise<string> {
  if (!config.databaseUrl) throw new Error('demo seed needs DATABASE_URL');
  const dataSource = new DataSource({
    ...dataSourceOptions({ url: config.databaseUrl, poolSize: 1 }, demoEntities),
    logging: false,
  });
  await dataSource.initialize();
  try {
    await seedDemoData(dataSource, demoProject(), config.simulator.identityUrl, config.simulator.kubeApiUrl);
  } finally {
    await dataSource.destroy();
  }
  const users = DEMO_USERS.map((user) => `${user.username}/${user.password} (${user.role})`).join(', ');
  return `demo cluster ${DEMO_CLUSTER} at ${config.simulator.identityUrl}; users ${users}`;
}
