import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { auditEntities } from '@oshift/audit';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices } from '@oshift/testing';
import { ClusterAdmin } from './cluster-admin';
import { ClusterEntity } from './cluster.entity';
import { ClusterRepository } from './cluster.repository';
import { nodeRegistryEntities } from './node-registry.entities';

describe('ClusterRepository', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource({
      ...dataSourceOptions({ url: testServices().databaseUrl, poolSize: 2 }, [
        ...auditEntities,
        ...nodeRegistryEntities,
      ]),
      logging: false,
    });
    await dataSource.initialize();
  });

  afterAll(() => dataSource.destroy());

  it('reads a cluster as TypeORM does, every column, and null for one that is not registered', async () => {
    const id = `repo-${randomBytes(4).toString('hex')}`;
    await new ClusterAdmin(dataSource).upsert(
      {
        id,
        authUrl: 'http://127.0.0.1:1/v3',
        region: 'RegionOne',
        projectName: 'p',
        username: 'u',
        secretRef: 'env:OSHIFT_SECRET_OS',
        kubeApiUrl: 'https://api.example.test:6443',
        kubeTokenRef: 'env:OSHIFT_SECRET_KUBE',
      },
      'test',
    );
    const repository = new ClusterRepository(dataSource);
    const found = await repository.find(id);
    expect(found).toBeInstanceOf(ClusterEntity);
    expect(found).toEqual(await dataSource.manager.findOne(ClusterEntity, { where: { id } }));
    expect(found?.updatedAt).toBeInstanceOf(Date);
    expect(await repository.find(`${id}-nowhere`)).toBeNull();
  });
});
