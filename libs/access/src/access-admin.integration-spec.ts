import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  AccessAdmin,
  accessEntities,
  InvalidRoleError,
  InvalidUsernameError,
  PasswordHasher,
  type Role,
  UnknownClusterError,
  UnknownUserError,
  UserEntity,
  UserExistsError,
  WeakPasswordError,
} from './index';
import { auditEntities, AuditLog } from '@oshift/audit';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices } from '@oshift/testing';

const suffix = randomBytes(4).toString('hex');
const actor = `test:access-admin-${suffix}`;
const name = (label: string) => `${label}-${suffix}-${randomBytes(2).toString('hex')}`;

describe('AccessAdmin', () => {
  let dataSource: DataSource;
  const hasher = new PasswordHasher();
  let admin: AccessAdmin;
  let clusterId: string;
  let otherClusterId: string;

  const user = (username: string) => dataSource.manager.findOneByOrFail(UserEntity, { username });
  const auditOf = async (target: string) =>
    (await AuditLog.query(dataSource, { actor, limit: 1000 })).filter((event) => event.target === target).reverse();
  const addCluster = async (id: string) => {
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, username, project_name, secret_ref) VALUES ($1, $2, $3, $4, $5)`,
      [id, 'http://127.0.0.1:5000/v3', 'svc', 'demo', 'env:OS_PASSWORD'],
    );
    return id;
  };

  beforeAll(async () => {
    dataSource = new DataSource({
      ...dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }, [...accessEntities, ...auditEntities]),
      logging: false,
    });
    await dataSource.initialize();
    admin = new AccessAdmin(dataSource, hasher, { source: 'cli:test' });
    clusterId = await addCluster(name('c'));
    otherClusterId = await addCluster(name('d'));
  });

  afterAll(() => dataSource.destroy());

  it('adds a user whose stored hash verifies, with grants, and audits it without the password', async () => {
    const username = name('alice');
    const created = await admin.addUser(username, 'correct horse battery', actor, [
      { clusterId, role: 'reboot' },
      { clusterId, role: 'reboot' },
    ]);
    expect(created).toMatchObject({ username, disabled: false, version: 1 });
    expect(await hasher.verify(created.passwordHash, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(created.passwordHash, 'wrong horse battery')).toBe(false);

    const listed = (await admin.listUsers()).find((entry) => entry.username === username);
    expect(listed).toEqual({ username, disabled: false, grants: [{ clusterId, role: 'reboot' }] });

    const events = await auditOf(username);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor, source: 'cli:test', action: 'user.add', target: username, outcome: 'ok' });
    expect(events[0].detail).toEqual({ grants: [{ clusterId, role: 'reboot' }] });
    expect(JSON.stringify(events)).not.toContain('correct horse');
    expect(JSON.stringify(events)).not.toContain(created.passwordHash);
  });

  it('refuses bad input with typed errors, changing and auditing nothing', async () => {
    const username = name('bob');
    await admin.addUser(username, 'long enough', actor);
    await expect(admin.addUser(username, 'long enough', actor)).rejects.toBeInstanceOf(UserExistsError);
    await expect(admin.addUser('-starts-with-dash', 'long enough', actor)).rejects.toBeInstanceOf(InvalidUsernameError);
    await expect(admin.addUser('has space', 'long enough', actor)).rejects.toBeInstanceOf(InvalidUsernameError);
    await expect(admin.addUser('x'.repeat(129), 'long enough', actor)).rejects.toBeInstanceOf(InvalidUsernameError);
    await expect(admin.addUser(name('carol'), 'short', actor)).rejects.toBeInstanceOf(WeakPasswordError);
    await expect(admin.setPassword(username, '1234567', actor)).rejects.toBeInstanceOf(WeakPasswordError);
    await expect(admin.setPassword(name('nobody'), 'long enough', actor)).rejects.toBeInstanceOf(UnknownUserError);
    await expect(admin.setDisabled(name('nobody'), true, actor)).rejects.toBeInstanceOf(UnknownUserError);
    await expect(admin.grant(username, name('nocluster'), 'read', actor)).rejects.toBeInstanceOf(UnknownClusterError);
    await expect(admin.grant(username, clusterId, 'admin' as Role, actor)).rejects.toBeInstanceOf(InvalidRoleError);
    await expect(admin.revoke(username, clusterId, 'root' as Role, actor)).rejects.toBeInstanceOf(InvalidRoleError);

    // A grant on an unknown cluster rolls the whole creation back.
    const dave = name('dave');
    await expect(
      admin.addUser(dave, 'long enough', actor, [{ clusterId: name('nocluster'), role: 'read' }]),
    ).rejects.toBeInstanceOf(UnknownClusterError);
    expect(await dataSource.manager.findOneBy(UserEntity, { username: dave })).toBeNull();

    expect((await auditOf(username)).map((event) => event.action)).toEqual(['user.add']);
    expect(await auditOf(dave)).toEqual([]);
    expect((await user(username)).version).toBe(1);
  });

  it('changes the password, bumping the version', async () => {
    const username = name('erin');
    await admin.addUser(username, 'first password', actor);
    const before = await user(username);
    await admin.setPassword(username, 'second password', actor);
    const after = await user(username);
    expect(after.version).toBe(before.version + 1);
    expect(after.updatedAt.getTime()).toBeGreaterThanOrEqual(before.updatedAt.getTime());
    expect(await hasher.verify(after.passwordHash, 'second password')).toBe(true);
    expect(await hasher.verify(after.passwordHash, 'first password')).toBe(false);
    const events = await auditOf(username);
    expect(events.map((event) => [event.action, event.outcome])).toEqual([
      ['user.add', 'ok'],
      ['user.passwd', 'ok'],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/first password|second password/);
  });

  it('disables and enables, bumping the version only on a real change', async () => {
    const username = name('frank');
    await admin.addUser(username, 'long enough', actor);
    await admin.setDisabled(username, true, actor);
    expect(await user(username)).toMatchObject({ disabled: true, version: 2 });
    await admin.setDisabled(username, true, actor);
    expect(await user(username)).toMatchObject({ disabled: true, version: 2 });
    await admin.setDisabled(username, false, actor);
    expect(await user(username)).toMatchObject({ disabled: false, version: 3 });
    expect((await auditOf(username)).map((event) => [event.action, event.outcome])).toEqual([
      ['user.add', 'ok'],
      ['user.disable', 'ok'],
      ['user.disable', 'noop'],
      ['user.enable', 'ok'],
    ]);
  });

  it('grants idempotently and revokes one role or all, bumping the version on each real change', async () => {
    const username = name('grace');
    await admin.addUser(username, 'long enough', actor);
    await admin.grant(username, clusterId, 'read', actor);
    await admin.grant(username, clusterId, 'read', actor);
    await admin.grant(username, clusterId, 'reboot', actor);
    await admin.grant(username, otherClusterId, 'read', actor);
    expect((await user(username)).version).toBe(4);
    const grantsOf = async () => (await admin.listUsers()).find((entry) => entry.username === username)?.grants;
    expect(await grantsOf()).toEqual(
      [
        { clusterId, role: 'read' },
        { clusterId, role: 'reboot' },
        { clusterId: otherClusterId, role: 'read' },
      ].sort((a, b) => a.clusterId.localeCompare(b.clusterId)),
    );

    await admin.revoke(username, clusterId, 'reboot', actor);
    expect((await user(username)).version).toBe(5);
    await admin.revoke(username, clusterId, 'reboot', actor);
    expect((await user(username)).version).toBe(5);
    await admin.grant(username, clusterId, 'reboot', actor);
    await admin.revoke(username, clusterId, undefined, actor);
    expect((await user(username)).version).toBe(7);
    expect(await grantsOf()).toEqual([{ clusterId: otherClusterId, role: 'read' }]);

    const events = (await auditOf(username)).filter((event) => event.action.startsWith('grant.'));
    expect(events.map((event) => [event.action, event.clusterId, event.outcome, event.detail])).toEqual([
      ['grant.add', clusterId, 'ok', { role: 'read' }],
      ['grant.add', clusterId, 'noop', { role: 'read' }],
      ['grant.add', clusterId, 'ok', { role: 'reboot' }],
      ['grant.add', otherClusterId, 'ok', { role: 'read' }],
      ['grant.revoke', clusterId, 'ok', { roles: ['reboot'] }],
      ['grant.revoke', clusterId, 'noop', { roles: [] }],
      ['grant.add', clusterId, 'ok', { role: 'reboot' }],
      ['grant.revoke', clusterId, 'ok', { roles: ['read', 'reboot'] }],
    ]);
  });

  it('queries the trail newest first, by cluster, actor, time window and limit, and keeps it append-only', async () => {
    const username = name('heidi');
    await admin.addUser(username, 'long enough', actor);
    await admin.grant(username, otherClusterId, 'read', actor);
    await admin.revoke(username, otherClusterId, 'read', actor);

    const mine = await AuditLog.query(dataSource, { actor, limit: 1000 });
    for (let i = 1; i < mine.length; i++) expect(mine[i - 1].at.getTime()).toBeGreaterThanOrEqual(mine[i].at.getTime());
    expect(mine[0]).toMatchObject({ action: 'grant.revoke', target: username });

    const newest = await AuditLog.query(dataSource, { actor, limit: 2 });
    expect(newest.map((event) => event.action)).toEqual(['grant.revoke', 'grant.add']);
    const onCluster = await AuditLog.query(dataSource, { actor, clusterId: otherClusterId, limit: 1000 });
    expect(onCluster.every((event) => event.clusterId === otherClusterId)).toBe(true);
    expect(onCluster.length).toBeGreaterThanOrEqual(2);
    expect(await AuditLog.query(dataSource, { actor: `${actor}-nobody` })).toEqual([]);
    expect(await AuditLog.query(dataSource, { actor, since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await AuditLog.query(dataSource, { actor, until: new Date(Date.now() - 3_600_000) })).toEqual([]);
    expect(
      (await AuditLog.query(dataSource, { actor, since: new Date(Date.now() - 3_600_000), limit: 1000 })).length,
    ).toBe(mine.length);

    await expect(
      dataSource.query(`UPDATE audit_events SET outcome = 'forged' WHERE id = $1`, [mine[0].id]),
    ).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_events WHERE id = $1`, [mine[0].id])).rejects.toThrow(
      /append-only/,
    );
  });

  it('tells the notifier, after the commit, of every real change to a user and of nothing else', async () => {
    const told: { userId: string; committedVersion: number }[] = [];
    const notified = new AccessAdmin(dataSource, hasher, {
      source: 'cli:test',
      notifier: {
        accessChanged: async (userId) => {
          // Read outside the transaction: the change is visible, so it has committed.
          const [row] = await dataSource.query(`SELECT version FROM users WHERE id = $1`, [userId]);
          told.push({ userId, committedVersion: row.version });
        },
      },
    });
    const username = name('ivan');
    const created = await notified.addUser(username, 'long enough', actor);
    expect(told).toEqual([]);
    await notified.setPassword(username, 'longer enough', actor);
    await notified.grant(username, clusterId, 'read', actor);
    await notified.grant(username, clusterId, 'read', actor);
    await notified.revoke(username, clusterId, 'read', actor);
    await notified.revoke(username, clusterId, 'read', actor);
    await notified.setDisabled(username, true, actor);
    await notified.setDisabled(username, true, actor);
    await expect(notified.grant(username, name('nocluster'), 'read', actor)).rejects.toBeInstanceOf(
      UnknownClusterError,
    );
    expect(told).toEqual([2, 3, 4, 5].map((committedVersion) => ({ userId: created.id, committedVersion })));
  });

  it('refuses to record credentials in the detail', async () => {
    await expect(
      dataSource.transaction((manager) =>
        AuditLog.record(manager, {
          actor,
          action: 'user.passwd',
          outcome: 'ok',
          detail: { nested: { newPassword: 'x' } },
        }),
      ),
    ).rejects.toThrow(/credential/);
  });
});
