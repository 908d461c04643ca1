import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import { isRole, type Role } from './access-policy';
import {
  InvalidRoleError,
  InvalidUsernameError,
  UnknownClusterError,
  UnknownUserError,
  UserExistsError,
  WeakPasswordError,
} from './access-admin.errors';
import type { AccessChangeNotifier } from './access-change.notifier';
import { PasswordHasher } from './password-hasher';
import { UserEntity } from './user.entity';

/** The same rule as the `users.username` check constraint. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
export const MIN_PASSWORD_LENGTH = 8;

export interface ClusterGrant {
  clusterId: string;
  role: Role;
}

export interface UserSummary {
  username: string;
  disabled: boolean;
  grants: ClusterGrant[];
}

export interface AccessAdminOptions {
  /** Recorded as the `source` of every audit event (e.g. `cli:<host>`). */
  source?: string | null;
  /** Shortest password accepted; only the demo, whose users are documented as viewer/viewer, lowers it. */
  minPasswordLength?: number;
  /** Told after each committed change to a user's password, status or grants (gateways drop cached credentials). */
  notifier?: AccessChangeNotifier;
}

/**
 * Operator changes to users and grants. Each change runs in one transaction with its audit record,
 * and bumps the user's `version` when their password, status or grants really change, so cached
 * credentials and sessions can tell they are stale; once such a change commits, the notifier (if any)
 * is told the user's id. Passwords are hashed here and never leave.
 */
export class AccessAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly options: AccessAdminOptions = {},
  ) {}

  /** Creates a user with a password and, optionally, grants, all in one transaction. */
  async addUser(
    username: string,
    password: string,
    actor: string,
    grants: readonly ClusterGrant[] = [],
  ): Promise<UserEntity> {
    assertUsername(username);
    assertPassword(password, this.options.minPasswordLength ?? MIN_PASSWORD_LENGTH);
    const wanted = uniqueGrants(grants);
    const passwordHash = await this.hasher.hash(password);
    return this.dataSource.transaction(async (manager) => {
      const [created] = await queryRows<{ id: string }>(
        manager,
        `INSERT INTO users (username, password_hash) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING id`,
        [username, passwordHash],
      );
      if (!created) throw new UserExistsError(username);
      for (const grant of wanted) {
        await lockCluster(manager, grant.clusterId);
        await queryRows(manager, `INSERT INTO grants (user_id, cluster_id, role) VALUES ($1, $2, $3)`, [
          created.id,
          grant.clusterId,
          grant.role,
        ]);
      }
      await AuditLog.record(manager, {
        ...this.event(actor, AuditAction.userAdd, username, AuditOutcome.ok),
        detail: { grants: wanted },
      });
      return manager.findOneByOrFail(UserEntity, { id: created.id });
    });
  }

  async setPassword(username: string, password: string, actor: string): Promise<void> {
    assertPassword(password, this.options.minPasswordLength ?? MIN_PASSWORD_LENGTH);
    const passwordHash = await this.hasher.hash(password);
    const userId = await this.dataSource.transaction(async (manager) => {
      const user = await lockUser(manager, username);
      await bumpVersion(manager, user.id, { password_hash: passwordHash });
      await AuditLog.record(manager, this.event(actor, AuditAction.userPasswd, username, AuditOutcome.ok));
      return user.id;
    });
    await this.changed(userId);
  }

  /** Disables or re-enables a user; doing it twice changes nothing the second time (`noop` in the audit). */
  async setDisabled(username: string, disabled: boolean, actor: string): Promise<void> {
    const changedUser = await this.dataSource.transaction(async (manager) => {
      const user = await lockUser(manager, username);
      const changed = user.disabled !== disabled;
      if (changed) await bumpVersion(manager, user.id, { disabled });
      await AuditLog.record(
        manager,
        this.event(
          actor,
          disabled ? AuditAction.userDisable : AuditAction.userEnable,
          username,
          changed ? AuditOutcome.ok : AuditOutcome.noop,
        ),
      );
      return changed ? user.id : null;
    });
    await this.changed(changedUser);
  }

  /** Removes a user and their grants, with its audit record; gateways stop accepting their credentials at once. */
  async removeUser(username: string, actor: string): Promise<void> {
    const removedUser = await this.dataSource.transaction(async (manager) => {
      const user = await lockUser(manager, username);
      await manager.query(`DELETE FROM users WHERE id = $1`, [user.id]);
      await AuditLog.record(manager, this.event(actor, AuditAction.userRemove, username, AuditOutcome.ok));
      return user.id;
    });
    await this.changed(removedUser);
  }

  /** Grants a role on a cluster. Idempotent: granting a held role changes nothing (`noop` in the audit). */
  async grant(username: string, clusterId: string, role: Role, actor: string): Promise<void> {
    assertRole(role);
    const changedUser = await this.dataSource.transaction(async (manager) => {
      const user = await lockUser(manager, username);
      await lockCluster(manager, clusterId);
      const inserted = await queryRows(
        manager,
        `INSERT INTO grants (user_id, cluster_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING role`,
        [user.id, clusterId, role],
      );
      if (inserted.length > 0) await bumpVersion(manager, user.id, {});
      await AuditLog.record(manager, {
        ...this.event(actor, AuditAction.grantAdd, username, inserted.length > 0 ? AuditOutcome.ok : AuditOutcome.noop),
        clusterId,
        detail: { role },
      });
      return inserted.length > 0 ? user.id : null;
    });
    await this.changed(changedUser);
  }

  /** Revokes one role on a cluster, or every role there when `role` is undefined. */
  async revoke(username: string, clusterId: string, role: Role | undefined, actor: string): Promise<void> {
    if (role !== undefined) assertRole(role);
    const changedUser = await this.dataSource.transaction(async (manager) => {
      const user = await lockUser(manager, username);
      await lockCluster(manager, clusterId);
      const removed = await queryRows<{ role: Role }>(
        manager,
        `DELETE FROM grants WHERE user_id = $1 AND cluster_id = $2 AND ($3::text IS NULL OR role = $3) RETURNING role`,
        [user.id, clusterId, role ?? null],
      );
      if (removed.length > 0) await bumpVersion(manager, user.id, {});
      await AuditLog.record(manager, {
        ...this.event(
          actor,
          AuditAction.grantRevoke,
          username,
          removed.length > 0 ? AuditOutcome.ok : AuditOutcome.noop,
        ),
        clusterId,
        detail: { roles: removed.map((row) => row.role).sort() },
      });
      return removed.length > 0 ? user.id : null;
    });
    await this.changed(changedUser);
  }

  /** Every user with their status and grants, by username. */
  async listUsers(): Promise<UserSummary[]> {
    const records = await queryRows<{
      username: string;
      disabled: boolean;
      cluster_id: string | null;
      role: Role | null;
    }>(
      this.dataSource,
      `SELECT u.username, u.disabled, g.cluster_id, g.role
         FROM users u LEFT JOIN grants g ON g.user_id = u.id
        ORDER BY u.username, g.cluster_id, g.role`,
    );
    const users = new Map<string, UserSummary>();
    for (const record of records) {
      let user = users.get(record.username);
      if (!user)
        users.set(record.username, (user = { username: record.username, disabled: record.disabled, grants: [] }));
      if (record.cluster_id && record.role) user.grants.push({ clusterId: record.cluster_id, role: record.role });
    }
    return [...users.values()];
  }

  /** After the commit: tells the gateways, so cached credentials of the user stop working at once. */
  private async changed(userId: string | null): Promise<void> {
    if (userId) await this.options.notifier?.accessChanged(userId);
  }

  private event(actor: string, action: AuditAction, target: string, outcome: AuditOutcome) {
    return { actor, source: this.options.source ?? null, action, target, outcome };
  }
}

/** The user row, locked until the transaction ends so concurrent changes to one user serialise. */
async function lockUser(manager: EntityManager, username: string): Promise<{ id: string; disabled: boolean }> {
  if (!USERNAME.test(username)) throw new UnknownUserError(username);
  const [user] = await queryRows<{ id: string; disabled: boolean }>(
    manager,
    `SELECT id, disabled FROM users WHERE username = $1 FOR UPDATE`,
    [username],
  );
  if (!user) throw new UnknownUserError(username);
  return user;
}

/** Fails on an unknown cluster, and keeps the cluster from being removed until the transaction ends. */
async function lockCluster(manager: EntityManager, clusterId: string): Promise<void> {
  const [cluster] = await queryRows(manager, `SELECT id FROM clusters WHERE id = $1 FOR SHARE`, [clusterId]);
  if (!cluster) throw new UnknownClusterError(clusterId);
}

async function bumpVersion(
  manager: EntityManager,
  userId: string,
  changes: { password_hash?: string; disabled?: boolean },
): Promise<void> {
  await queryRows(
    manager,
    `UPDATE users
        SET version = version + 1, updated_at = now(),
            password_hash = COALESCE($2, password_hash), disabled = COALESCE($3, disabled)
      WHERE id = $1`,
    [userId, changes.password_hash ?? null, changes.disabled ?? null],
  );
}

function assertUsername(username: string): void {
  if (!USERNAME.test(username)) throw new InvalidUsernameError();
}

function assertPassword(password: string, minLength: number): void {
  if ([...password].length < minLength) throw new WeakPasswordError(minLength);
}

function assertRole(role: string): asserts role is Role {
  if (!isRole(role)) throw new InvalidRoleError();
}

function uniqueGrants(grants: readonly ClusterGrant[]): ClusterGrant[] {
  const seen = new Map<string, ClusterGrant>();
  for (const grant of grants) {
    assertRole(grant.role);
    seen.set(`${grant.clusterId}\0${grant.role}`, { clusterId: grant.clusterId, role: grant.role });
  }
  return [...seen.values()];
}
