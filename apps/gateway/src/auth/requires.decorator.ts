import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { Permission } from '@oshift/access';

export const REQUIREMENT = 'oshift:requirement';

export interface Requirement {
  permission: Permission;
  /** What a caller without the permission sees: the same 404 as for something that does not exist. */
  deniedMessage: string;
}

/**
 * Marks a route of `/api/openshift/:clusterId/…` as needing `permission` on that cluster.
 * The global auth guard enforces it; a caller lacking it gets 404 `deniedMessage`.
 */
export function Requires(permission: Permission, deniedMessage: string): MethodDecorator {
  return applyDecorators(SetMetadata(REQUIREMENT, { permission, deniedMessage } satisfies Requirement));
}

export const PUBLIC_ROUTE = 'oshift:public';

/** A route anyone may call without credentials (health checks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
