import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccessAdmin, accessEntities, PasswordHasher, UserEntity } from '@oshift/access';
import { auditEntities, AuditLog } from '@oshift/audit';
import {
  ClusterAdmin,
  ClusterBusyError,
  ClusterEntity,
  ClusterExistsError,
  ClusterNotRegisteredError,
  ClusterRepository,
  clusterSecretBinding,
  ClusterSecrets,
  type ClusterSpec,
  InvalidClusterSpecError,
  nodeRegistryEntities,
} from './index';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices } from '@oshift/testing';

const suffix = randomBytes(4).toString('hex');
const actor = `test:cluster-admin-${suffix}`;
const name = (label: string) => `${label}-${suffix}-${randomBytes(2).toString('hex')}`;

/** A self-signed CA certificate (EC P-256), made for these tests; its key was never kept. */
const TEST_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBlzCCAT2gAwIBAgIUQZ7tDoR3q3JKYc4WqlnMlfw+MzgwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWa3ViZS1hcGlzZXJ2ZXItdGVzdC1jYTAeFw0yNjEyMDYxMjMy
MTBaFw0zNjEyMDMxMjMyMTBaMCExHzAdBgNVBAMMFmt1YmUtYXBpc2VydmVyLXRl
c3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS7M0p5KHH9Qp7SzjsLW+6l
S9NeqqCphj9C+l+5Jwf5138KsHbbk2L16V/1aLI08ZVuP7AFWcqRPqa3XRvXySPD
o1MwUTAdBgNVHQ4EFgQU5avW98S5n1ve32TOAExsr2x3fOcwHwYDVR0jBBgwFoAU
5avW98S5n1ve32TOAExsr2x3fOcwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNIADBFAiA0cXOVTGvKmJ18SjsO4ctlbTcLeUv+KF0NqAQQna9wkQIhAI19p70U
hA9VSi0n/OKktsrcB/seKMDobkb8VdofApPD
-----END CERTIFICATE-----`;

const passwordSpec = (id: string): ClusterSpec => ({
  id,
  authUrl: 'https://keystone.example.net:5000/v3/',
  region: 'RegionOne',
  username: 'svc-openshift',
  userDomain: 'Default',
  projectName: 'customer-a',
  projectDomain: 'Default',
  secretRef: 'env:OS_PASSWORD_A',
});

describe('ClusterAdmin', () => {
  let dataSource: DataSource;
  let clusters: ClusterAdmin;
  const auditOf = async (clusterId: string) =>
    (await AuditLog.query(dataSource, { actor, clusterId, limit: 1000 })).reverse();
  const find = (id: string) => dataSource.manager.findOneByOrFail(ClusterEntity, { id });

  beforeAll(async () => {
    dataSource = new DataSource({
      ...dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, [
        ...accessEntities,
        ...auditEntities,
        ...nodeRegistryEntities,
      ]),
      logging: false,
    });
    await dataSource.initialize();
    clusters = new ClusterAdmin(dataSource, { source: 'cli:test' });
  });

  afterAll(() => dataSource.destroy());

  it('creates, then updates, a cluster and audits both without the secret reference', async () => {
    const id = name('prod');
    expect(await clusters.upsert(passwordSpec(id), actor)).toBe('created');
    const created = await find(id);
    expect(created).toMatchObject({
      authUrl: 'https://keystone.example.net:5000/v3',
      region: 'RegionOne',
      interface: 'public',
      username: 'svc-openshift',
      projectName: 'customer-a',
      projectId: null,
      applicationCredentialId: null,
      secretRef: 'env:OS_PASSWORD_A',
    });

    const updated: ClusterSpec = {
      id,
      authUrl: 'http://10.0.0.5:5000/v3',
      interface: 'internal',
      applicationCredentialId: 'ac-123',
      secretRef: 'file:/run/secrets/os-ac',
    };
    expect(await clusters.upsert(updated, actor, { expect: 'update' })).toBe('updated');
    const after = await find(id);
    expect(after).toMatchObject({
      interface: 'internal',
      applicationCredentialId: 'ac-123',
      username: null,
      region: null,
    });
    expect(after.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
    expect((await clusters.list()).map((cluster) => cluster.id)).toContain(id);

    const events = await auditOf(id);
    expect(events.map((event) => [event.action, event.target, event.outcome, event.source])).toEqual([
      ['cluster.create', id, 'ok', 'cli:test'],
      ['cluster.update', id, 'ok', 'cli:test'],
    ]);
    expect(events[0].detail).toMatchObject({ authUrl: 'https://keystone.example.net:5000/v3', secretRefScheme: 'env' });
    expect(events[1].detail).toMatchObject({
      applicationCredentialId: 'ac-123',
      secretRefScheme: 'file',
      secretChanged: true,
    });
    expect(JSON.stringify(events)).not.toMatch(/OS_PASSWORD_A|\/run\/secrets/);
  });

  it('keeps add and update apart when asked to', async () => {
    const id = name('stage');
    await expect(clusters.upsert(passwordSpec(id), actor, { expect: 'update' })).rejects.toBeInstanceOf(
      ClusterNotRegisteredError,
    );
    await clusters.upsert(passwordSpec(id), actor, { expect: 'create' });
    await expect(clusters.upsert(passwordSpec(id), actor, { expect: 'create' })).rejects.toBeInstanceOf(
      ClusterExistsError,
    );
    expect((await auditOf(id)).map((event) => event.action)).toEqual(['cluster.create']);
  });

  it.each<[string, Partial<ClusterSpec>]>([
    ['a bad id', { id: '-bad' }],
    ['an id with a slash', { id: 'a/b' }],
    ['a non-http auth URL', { authUrl: 'ftp://keystone/v3' }],
    ['a malformed auth URL', { authUrl: 'keystone:5000' }],
    ['credentials in the auth URL', { authUrl: 'https://svc:pw@keystone/v3' }],
    ['no username', { username: null }],
    ['no project', { projectName: null, projectDomain: null }],
    ['both project id and name', { projectId: 'p-1' }],
    ['an application credential and a username', { applicationCredentialId: 'ac-1' }],
    ['an unknown interface', { interface: 'private' as 'public' }],
    ['a relative file reference', { secretRef: 'file:run/secret' }],
    ['an env reference without a name', { secretRef: 'env:' }],
  ])('refuses %s', async (_, change) => {
    const spec = { ...passwordSpec(name('bad')), ...change };
    await expect(clusters.upsert(spec, actor)).rejects.toBeInstanceOf(InvalidClusterSpecError);
  });

  it('refuses an env: reference outside the processes’ prefix, as they would at its first call', async () => {
    const strict = new ClusterAdmin(dataSource, { secretEnvPrefix: 'OSHIFT_SECRET_' });
    const id = name('prefix');
    const attempt = strict.upsert({ ...passwordSpec(id), secretRef: 'env:OS_APPCRED_ACME' }, actor);
    await expect(attempt).rejects.toThrow(
      new InvalidClusterSpecError(
        'env: secret references must name a variable starting with OSHIFT_SECRET_ (CLUSTER_SECRET_ENV_PREFIX)',
      ),
    );
    expect(await dataSource.manager.findOneBy(ClusterEntity, { id })).toBeNull();
    await expect(strict.upsert({ ...passwordSpec(id), secretRef: 'env:OSHIFT_SECRET_ACME' }, actor)).resolves.toBe(
      'created',
    );
    // The Kubernetes API token's reference likewise.
    const kube = { ...passwordSpec(id), secretRef: 'env:OSHIFT_SECRET_ACME', kubeApiUrl: 'https://api.acme.test:6443' };
    await expect(strict.upsert({ ...kube, kubeTokenRef: 'env:KUBE_TOKEN_ACME' }, actor)).rejects.toThrow(
      /must name a variable starting with OSHIFT_SECRET_/,
    );
    expect((await dataSource.manager.findOneBy(ClusterEntity, { id }))?.kubeTokenRef).toBeNull();
    await expect(strict.upsert({ ...kube, kubeTokenRef: 'env:OSHIFT_SECRET_ACME_KUBE' }, actor)).resolves.toBe(
      'updated',
    );
  });

  it('connects a cluster to its Kubernetes API, audits only the reference schemes, and disconnects it', async () => {
    const id = name('kube');
    await clusters.upsert(passwordSpec(id), actor);
    const connected: ClusterSpec = {
      ...passwordSpec(id),
      kubeApiUrl: 'https://api.prod-a.example.com:6443/',
      kubeTokenRef: 'env:KUBE_TOKEN_PROD_A',
      kubeCaPem: `\n${TEST_CA_PEM}\n`,
      kubeNodePattern: '{short}.prod-a.example.com',
    };
    expect(await clusters.upsert(connected, actor, { expect: 'update' })).toBe('updated');
    expect(await find(id)).toMatchObject({
      kubeApiUrl: 'https://api.prod-a.example.com:6443',
      kubeTokenRef: 'env:KUBE_TOKEN_PROD_A',
      kubeCaPem: TEST_CA_PEM,
      kubeNodePattern: '{short}.prod-a.example.com',
    });
    await clusters.upsert(passwordSpec(id), actor, { expect: 'update' });
    expect(await find(id)).toMatchObject({
      kubeApiUrl: null,
      kubeTokenRef: null,
      kubeCaPem: null,
      kubeNodePattern: null,
    });

    const events = await auditOf(id);
    expect(events.map((event) => event.detail)).toEqual([
      expect.objectContaining({ kubeApiUrl: null, kubeTokenRefScheme: null, kubeCa: false }),
      expect.objectContaining({
        kubeApiUrl: 'https://api.prod-a.example.com:6443',
        kubeTokenRefScheme: 'env',
        kubeCa: true,
        kubeNodePattern: '{short}.prod-a.example.com',
        kubeTokenChanged: true,
      }),
      expect.objectContaining({ kubeApiUrl: null, kubeTokenRefScheme: null, kubeTokenChanged: true }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/KUBE_TOKEN_PROD_A|BEGIN CERTIFICATE/);
  });

  it.each<[string, Partial<ClusterSpec>, RegExp]>([
    ['a URL without a token', { kubeApiUrl: 'https://api:6443' }, /needs a token reference/],
    ['a token without a URL', { kubeTokenRef: 'env:K' }, /needs a Kubernetes API URL/],
    ['a plain token', { kubeApiUrl: 'https://api:6443', kubeTokenRef: 'eyJhbGciOi.plain' }, /never the token itself/],
    ['credentials in the URL', { kubeApiUrl: 'https://u:p@api:6443', kubeTokenRef: 'env:K' }, /not carry credentials/],
    ['a query in the URL', { kubeApiUrl: 'https://api:6443/?x=1', kubeTokenRef: 'env:K' }, /no query/],
    ['a non-http URL', { kubeApiUrl: 'ftp://api', kubeTokenRef: 'env:K' }, /must be http\(s\)/],
    ['a CA that is no certificate', { kubeApiUrl: 'https://api', kubeTokenRef: 'env:K', kubeCaPem: 'hello' }, /PEM/],
    ['a CA over http', { kubeApiUrl: 'http://api', kubeTokenRef: 'env:K', kubeCaPem: TEST_CA_PEM }, /https/],
    [
      'a pattern without a placeholder',
      { kubeApiUrl: 'https://api', kubeTokenRef: 'env:K', kubeNodePattern: 'node' },
      /\{name\}/,
    ],
    [
      'a pattern with other characters',
      { kubeApiUrl: 'https://api', kubeTokenRef: 'env:K', kubeNodePattern: '{name}/x' },
      /\{name\}/,
    ],
  ])('refuses Kubernetes settings with %s, saying why and not repeating the token', async (_, change, why) => {
    const id = name('kbad');
    const attempt = clusters.upsert({ ...passwordSpec(id), ...change }, actor);
    await expect(attempt).rejects.toThrow(why);
    await expect(attempt).rejects.toBeInstanceOf(InvalidClusterSpecError);
    await expect(attempt).rejects.not.toThrow(/eyJhbGciOi/);
    expect(await dataSource.manager.findOneBy(ClusterEntity, { id })).toBeNull();
  });

  it('refuses a plain secret without repeating it', async () => {
    const id = name('plain');
    const attempt = clusters.upsert({ ...passwordSpec(id), secretRef: 'hunter2-plain-secret' }, actor);
    await expect(attempt).rejects.toBeInstanceOf(InvalidClusterSpecError);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
    expect(await dataSource.manager.findOneBy(ClusterEntity, { id })).toBeNull();
    expect(await auditOf(id)).toEqual([]);
  });

  it('stores an encrypted secret that resolves back, with no plain text in the row or the audit', async () => {
    const id = name('enc');
    const key = randomBytes(32).toString('base64');
    const secrets = new ClusterSecrets({ env: {}, encryptionKey: key });
    const plain = `app-cred-secret-${randomBytes(6).toString('hex')}`;
    await clusters.upsert(
      {
        id,
        authUrl: 'http://127.0.0.1:5000/v3',
        applicationCredentialId: 'ac-9',
        secretRef: secrets.seal(plain, clusterSecretBinding(id)),
      },
      actor,
    );

    const [row] = await dataSource.query(`SELECT * FROM clusters WHERE id = $1`, [id]);
    expect(JSON.stringify(row)).not.toContain(plain);
    expect(row.secret_ref).toMatch(/^enc:v2:/);
    expect(secrets.resolve(row.secret_ref, clusterSecretBinding(id))).toBe(plain);
    const events = await auditOf(id);
    expect(events[0].detail).toMatchObject({ secretRefScheme: 'enc' });
    expect(JSON.stringify(events)).not.toContain(plain);
    expect(JSON.stringify(events)).not.toContain(row.secret_ref);
  });

  it('removes a cluster, dropping its grants and bumping the version of users who held one', async () => {
    const id = name('gone');
    const kept = name('kept');
    await clusters.upsert(passwordSpec(id), actor);
    await clusters.upsert(passwordSpec(kept), actor);
    const access = new AccessAdmin(dataSource, new PasswordHasher());
    const [holder, bystander] = [name('holder'), name('bystander')];
    await access.addUser(holder, 'long enough', actor, [
      { clusterId: id, role: 'read' },
      { clusterId: id, role: 'reboot' },
      { clusterId: kept, role: 'read' },
    ]);
    await access.addUser(bystander, 'long enough', actor, [{ clusterId: kept, role: 'reboot' }]);

    const announced: string[] = [];
    const announcing = new ClusterAdmin(dataSource, { accessChanged: async (userId) => void announced.push(userId) });
    await announcing.remove(id, actor);

    expect(await dataSource.manager.findOneBy(ClusterEntity, { id })).toBeNull();
    // Gateways are told at once that the holder lost access (their cached grants go).
    const holderId = (await dataSource.manager.findOneByOrFail(UserEntity, { username: holder })).id;
    expect(announced).toEqual([String(holderId)]);
    const version = async (username: string) =>
      (await dataSource.manager.findOneByOrFail(UserEntity, { username })).version;
    expect(await version(holder)).toBe(2);
    expect(await version(bystander)).toBe(1);
    const users = await access.listUsers();
    expect(users.find((user) => user.username === holder)?.grants).toEqual([{ clusterId: kept, role: 'read' }]);
    const events = await auditOf(id);
    expect(events.map((event) => event.action)).toEqual(['cluster.create', 'cluster.remove']);
    expect(events[1].detail).toEqual({ usersLosingAccess: [holder] });

    await expect(clusters.remove(id, actor)).rejects.toBeInstanceOf(ClusterNotRegisteredError);
  });

  it('refuses to remove a cluster with a reboot job queued or running', async () => {
    const id = name('busy');
    await clusters.upsert(passwordSpec(id), actor);
    await dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by) VALUES ($1, $2, 'worker-0', 'running', 'x')`,
      [name('job'), id],
    );
    await expect(clusters.remove(id, actor)).rejects.toBeInstanceOf(ClusterBusyError);
    expect(await dataSource.manager.findOneBy(ClusterEntity, { id })).not.toBeNull();
  });

  it('is read back by ClusterRepository as TypeORM reads it, every column, and null once removed', async () => {
    const id = `repo-${randomBytes(4).toString('hex')}`;
    await clusters.upsert(
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
    await clusters.remove(id, 'test');
    expect(await repository.find(id)).toBeNull();
  });
});
