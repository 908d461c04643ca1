import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { Permission } from '@oshift/access';
import type { AuditAction } from '@oshift/audit';

export const REQUIREMENT = 'oshift:requirement';

export interface Requirement {
  permission: Permission;
  /** What a caller without the permission sees: the same 404 as for something that does not exist. */
  deniedMessage: string;
  /** When set, a refusal is recorded in the audit trail as this action, on the target the request names. */
  audit?: AuditedAction;
}

/** How a refused request of a route appears in the audit trail. */
export interface AuditedAction {
  /** `<noun>.<verb>`, e.g. `node.reboot`. */
  action: AuditAction;
  /** What the request was about (e.g. the node of a reboot), from the parsed request; null when it names none. */
  target: (request: { body?: unknown }) => string | null;
}

/**
 * Marks a route of `/api/openshift/:clusterId/…` as needing `permission` on that cluster.
 * The global auth guard enforces it; a caller lacking it gets 404 `deniedMessage` (and, with `audit`,
 * leaves a `denied` record in the audit trail).
 */
export function Requires(permission: Permission, deniedMessage: string, audit?: AuditedAction): MethodDecorator {
  return applyDecorators(SetMetadata(REQUIREMENT, { permission, deniedMessage, audit } satisfies Requirement));
}

export const PUBLIC_ROUTE = 'oshift:public';

/** A route anyone may call without credentials (health checks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

export const SIGNED_IN_ROUTE = 'oshift:signed-in';

/** A route any authenticated caller may call, whatever their grants (it names no cluster): `GET /api/me`. */
export const SignedIn = (): MethodDecorator => SetMetadata(SIGNED_IN_ROUTE, true);
