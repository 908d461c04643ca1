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

/** `override_window`: `true` or `false` (a form's text or a JSON boolean); false when absent. */
const overrideWindowField = z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: 'override_window must be true or false' })
  .default(false)
  .meta({
    description:
      '`true`: start even outside the cluster’s maintenance windows; needs `reason` (audited, shown in the job). ' +
      'The operator may switch this off per cluster (409)',
  })
  .transform((value) => value === true || value === 'true');

/** How far ahead a reboot may be scheduled, and how far in the past `not_before` may lie (clocks differ a little). */
export const NOT_BEFORE_MAX_AHEAD_MS = 30 * 24 * 3600 * 1000;
export const NOT_BEFORE_TOLERANCE_MS = 60 * 1000;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const NOT_BEFORE_FORMAT = 'not_before must be an RFC 3339 time, like 2026-12-08T01:00:00Z';

/**
 * `not_before`: an RFC 3339 time (with its offset) at most 30 days ahead and at most a minute past, as a Date;
 * absent when not given.
 */
const notBeforeField = z
  .string({ error: NOT_BEFORE_FORMAT })
  .meta({
    format: 'date-time',
    description:
      'Start no earlier than this (RFC 3339 with its offset; at most 30 days ahead, at most a minute past). The ' +
      'job is `scheduled` until then, holding nothing, and its deadline counts from then',
    example: '2026-12-08T02:00:00Z',
  })
  .transform((text, context) => {
    const match = RFC3339.exec(text);
    const [year, month, day] = (match ?? []).slice(1, 4).map(Number) as [number, number, number];
    const ms = match ? Date.parse(text.toUpperCase()) : Number.NaN;
    if (!match || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day || Number.isNaN(ms)) {
      context.addIssue({ code: 'custom', message: NOT_BEFORE_FORMAT });
      return z.NEVER;
    }
    const now = Date.now();
    if (ms < now - NOT_BEFORE_TOLERANCE_MS) {
      context.addIssue({ code: 'custom', message: 'not_before is in the past' });
      return z.NEVER;
    }
    if (ms > now + NOT_BEFORE_MAX_AHEAD_MS) {
      context.addIssue({ code: 'custom', message: 'not_before is more than 30 days ahead' });
      return z.NEVER;
    }
    return new Date(ms);
  })
  .optional();

/**
 * The fields both job-starting requests take for when they start: `not_before` (a scheduled reboot),
 * `override_window` and its `reason` (start outside the cluster's maintenance windows).
 */
export const scheduleFields = {
  not_before: notBeforeField,
  override_window: overrideWindowField,
  reason: z
    .string({ error: 'reason must be text' })
    .trim()
    .min(1, 'reason may not be empty')
    .max(500, 'reason is at most 500 characters')
    .meta({ description: 'Why the maintenance windows are overridden: required with override_window=true' })
    .optional(),
};

/** A reason comes with `override_window=true`, and only with it. */
export function overrideNeedsReason(
  value: { override_window: boolean; reason?: string },
  context: z.RefinementCtx,
): void {
  if (value.override_window && value.reason === undefined) {
    context.addIssue({ code: 'custom', path: ['reason'], message: 'reason is required with override_window=true' });
  }
  if (!value.override_window && value.reason !== undefined) {
    context.addIssue({ code: 'custom', path: ['reason'], message: 'reason is only taken with override_window=true' });
  }
}

/** The message of an unknown field: a field this version does not know never starts a reboot silently. */
export const unknownFieldError = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys?.[0] ?? ''}` : undefined,
};

/**
 * The one schema of a reboot request (form-encoded or JSON): `target`, `type` (`SOFT` unless `HARD`), `dry_run`,
 * and when it starts (see {@link scheduleFields}). Any other field is refused.
 */
const schema = z
  .strictObject({ target: nodeName, type: rebootTypeField, dry_run: dryRunField, ...scheduleFields }, unknownFieldError)
  .superRefine(overrideNeedsReason);

export type RebootRequestDto = z.output<typeof schema>;

/** The body of `POST reboot` as an OpenAPI 3.0 schema, derived from the schema that validates it. */
export function rebootRequestOpenApiSchema(): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
}

/**
 * A job-starting request's body (form-encoded or JSON) read by its schema, with the errors both routes share
 * worded once: an unknown field, a `type`, `dry_run`, `not_before`, `override_window` or `reason` that is not one. `notAnObject` is the answer to a body
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
  const field = issue?.path[0];
  if (field === 'not_before' || field === 'override_window' || field === 'reason')
    return { ok: false, error: issue!.message };
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

/** A valid `Idempotency-Key`: 1 to 255 printable ASCII characters, space excluded (a UUID is the usual choice). */
export function parseIdempotencyKey(
  header: string | string[] | undefined,
): { ok: true; value?: string } | { ok: false; error: string } {
  if (header === undefined) return { ok: true };
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    return { ok: false, error: 'Idempotency-Key must be 1 to 255 printable characters' };
  }
  return { ok: true, value: header };
}
