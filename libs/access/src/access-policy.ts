/** Roles a user can hold on a cluster. Every grant lets the user see the cluster; `reboot` adds rebooting. */
export const Roles = ['read', 'reboot'] as const;
export type Role = (typeof Roles)[number];

/** What a request may do on a cluster. */
export const Permissions = ['nodes:read', 'jobs:read', 'nodes:reboot'] as const;
export type Permission = (typeof Permissions)[number];

/** The whole policy, as data: which role grants which permissions. */
export const RolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  read: ['nodes:read', 'jobs:read'],
  reboot: ['nodes:read', 'jobs:read', 'nodes:reboot'],
};

export function isRole(value: string): value is Role {
  return (Roles as readonly string[]).includes(value);
}

/**
 * The one decision: may someone holding `roles` on a cluster do `permission` there?
 * No roles on a cluster means no access at all, not even knowing it exists.
 */
export function isAllowed(roles: readonly Role[] | undefined, permission: Permission): boolean {
  return (roles ?? []).some((role) => RolePermissions[role].includes(permission));
}
