import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { auditEntities } from '@oshift/audit';
import { ClusterAdmin, ClusterRepository, ClusterSecrets, nodeRegistryEntities } from '@oshift/node-registry';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices } from '@oshift/testing';
import { ClusterApiUnavailableError } from './cluster-api.errors';
import { ClusterApis } from './cluster-apis';

const suffix = randomBytes(4).toString('hex');
const spec = (id: string) => ({
  id,
  authUrl: 'http://127.0.0.1:1/v3',
  applicationCredentialId: 'ac-1',
  secretRef: 'env:OSHIFT_SECRET_OS',
});

describe('ClusterApis', () => {
  let dataSource: DataSource;
  let apis: ClusterApis;

  beforeAll(async () => {
    dataSource = new DataSource({
      ...dataSourceOptions({ url: testServices().databaseUrl, poolSize: 2 }, [
        ...auditEntities,
        ...nodeRegistryEntities,
      ]),
      logging: false,
    });
    await dataSource.initialize();
    const secrets = new ClusterSecrets({ env: {}, envPrefix: 'OSHIFT_SECRET_' });
    apis = new ClusterApis(new ClusterRepository(dataSource), { secrets, timeoutMs: 1000 });
  });

  afterAll(() => dataSource.destroy());

  it('answers null for a cluster without a connection, and for one that is not registered', async () => {
    const id = `plain-${suffix}`;
    await new ClusterAdmin(dataSource).upsert(spec(id), 'test');
    expect(await apis.forCluster(id)).toBeNull();
    expect(await apis.connection(id)).toBeNull();
    expect(await apis.forCluster(`nowhere-${suffix}`)).toBeNull();
  });

  it("gives a connected cluster's API and node pattern; an unreadable token fails the call as unavailable", async () => {
    const id = `kube-${suffix}`;
    await new ClusterAdmin(dataSource).upsert(
      {
        ...spec(id),
        kubeApiUrl: 'http://127.0.0.1:9/k',
        kubeTokenRef: 'env:OSHIFT_SECRET_KUBE_UNSET',
        kubeNodePattern: '{short}.example.com',
      },
      'test',
    );
    const connection = await apis.connection(id);
    expect(connection?.nodePattern).toBe('{short}.example.com');
    const call = (await apis.forCluster(id))!.nodes();
    await expect(call).rejects.toBeInstanceOf(ClusterApiUnavailableError);
    await expect(call).rejects.toThrow('the cluster API token cannot be read (the operator can run cluster check)');
  });
});
