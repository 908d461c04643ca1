import { z } from 'zod';
import { RollingRoles } from '@oshift/jobs';
import {
  dryRunField,
  overrideNeedsReason,
  parseRequestBody,
  rebootTypeField,
  scheduleFields,
  unknownFieldError,
} from './reboot-request.dto';

const ROLE_ERROR = `role must be one of ${RollingRoles.join(', ')}`;

/**
 * The one schema of a rolling reboot request (form-encoded or JSON): `role` (`all` unless given), `type`,
 * `dry_run`, `not_before`, `override_window` and `reason` as for a reboot. Any other field is refused.
 */
const schema = z
  .strictObject(
    {
      role: z.enum(RollingRoles, { error: ROLE_ERROR }).default('all'),
      type: rebootTypeField,
      dry_run: dryRunField,
      ...scheduleFields,
    },
    unknownFieldError,
  )
  .superRefine(overrideNeedsReason);

export type RollingRebootRequestDto = z.output<typeof schema>;

/** The body of `POST rolling-reboot` as an OpenAPI 3.0 schema, derived from the schema that validates it. */
export function rollingRebootRequestOpenApiSchema(): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
}

/** The body of `POST rolling-reboot` (none at all: every default); the reason when it is not one. */
export function parseRollingRebootRequest(
  body: unknown,
): { ok: true; value: RollingRebootRequestDto } | { ok: false; error: string } {
  return parseRequestBody(schema, body, {
    notAnObject: 'the body must be a form or a JSON object',
    otherwise: () => ROLE_ERROR,
  });
}

/** The job target of a rolling reboot of `role`: `rolling:<role>` (node names never contain `:`). */
export function rollingTarget(role: string): string {
  return `rolling:${role}`;
}

/** What a rolling reboot request names, for the audit trail: `rolling:<role>` when its role is one, else null. */
export function rollingTargetOf(request: { body?: unknown }): string | null {
  const role = (request.body as { role?: unknown } | null | undefined)?.role ?? 'all';
  return typeof role === 'string' && (RollingRoles as readonly string[]).includes(role) ? rollingTarget(role) : null;
}
