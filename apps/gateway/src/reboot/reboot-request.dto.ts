import { z } from 'zod';

/** A node name as OpenStack and OpenShift write it: letters, digits, dots, dashes, underscores. */
const nodeName = z
  .string({ error: 'target is required' })
  .min(1, 'target is required')
  .max(253, 'target is too long')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'target must be a node name');

/** `type`: `SOFT` unless `HARD`. */
export const rebootTypeField = z.enum(['SOFT', 'HARD'], { error: 'type must be SOFT or HARD' }).default('SOFT');

/** `dry_run`: `true` or `false` (a form's text or a JSON boolean); false when absent. */
export const dryRunField = z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: 'dry_run must be true or false' })
  .default(false)
  .transform((value) => value === true || value === 'true');

/** The message of an unknown field: a field this version does not know never starts a reboot silently. */
export const unknownFieldError = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys?.[0] ?? ''}` : undefined,
};

/**
 * The one schema of a reboot request (form-encoded or JSON): `target`, `type` (`SOFT` unless `HARD`) and
 * `dry_run`. Any other field is refused.
 */
const schema = z.strictObject({ target: nodeName, type: rebootTypeField, dry_run: dryRunField }, unknownFieldError);

export type RebootRequestDto = z.output<typeof schema>;

/** The body of `POST reboot` as an OpenAPI 3.0 schema, derived from the schema that validates it. */
export function rebootRequestOpenApiSchema(): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
}

/**
 * A job-starting request's body (form-encoded or JSON) read by its schema, with the errors both routes share
 * worded once: an unknown field, a `type` or `dry_run` that is not one. `notAnObject` is the answer to a body
 * that is not a form or an object; `otherwise` words any other mistake (the route's own fields).
 */
export function parseRequestBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  errors: { notAnObject: string; otherwise: (issue: { path: PropertyKey[]; message: string } | undefined) => string },
): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    return { ok: false, error: errors.notAnObject };
  }
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') return { ok: false, error: issue.message };
  if (issue?.path[0] === 'type') return { ok: false, error: 'type must be SOFT or HARD' };
  if (issue?.path[0] === 'dry_run') return { ok: false, error: 'dry_run must be true or false' };
  return { ok: false, error: errors.otherwise(issue) };
}

/** The body of `POST reboot`, form-encoded (`target=…`) or JSON; null with a reason when it is not one. */
export function parseRebootRequest(
  body: unknown,
): { ok: true; value: RebootRequestDto } | { ok: false; error: string } {
  return parseRequestBody(schema, body, {
    notAnObject: 'target is required',
    otherwise: (issue) => (issue?.path[0] === 'target' ? issue.message : 'target is required'),
  });
}

/** The node a reboot request names, for the audit trail: the raw `target` when it is a short printable string. */
export function rebootTargetOf(request: { body?: unknown }): string | null {
  const target = (request.body as { target?: unknown } | null | undefined)?.target;
  return typeof target === 'string' && /^[\x20-\x7e]{1,253}$/.test(target) ? target : null;
}

/** A valid `Idempotency-Key`: 1 to 255 printable ASCII characters (a UUID is the usual choice). */
export function parseIdempotencyKey(
  header: string | string[] | undefined,
): { ok: true; value?: string } | { ok: false; error: string } {
  if (header === undefined) return { ok: true };
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    return { ok: false, error: 'Idempotency-Key must be 1 to 255 printable characters' };
  }
  return { ok: true, value: header };
}
