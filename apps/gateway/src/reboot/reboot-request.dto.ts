import { z } from 'zod';

/** A node name as OpenStack and OpenShift write it: letters, digits, dots, dashes, underscores. */
const nodeName = z
  .string({ error: 'target is required' })
  .min(1, 'target is required')
  .max(253, 'target is too long')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'target must be a node name');

const schema = z.object({ target: nodeName });

export type RebootRequestDto = z.output<typeof schema>;

/** The body of `POST reboot` as an OpenAPI 3.0 schema, derived from the schema that validates it. */
export function rebootRequestOpenApiSchema(): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
}

/** The body of `POST reboot`, form-encoded (`target=…`) or JSON; null with a reason when it is not one. */
export function parseRebootRequest(
  body: unknown,
): { ok: true; value: RebootRequestDto } | { ok: false; error: string } {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, error: issue?.path[0] === 'target' ? issue.message : 'target is required' };
}

/** The node a reboot request names, for the audit trail: the raw `target` when it is a short printable string. */
export function rebootTargetOf(request: { body?: unknown }): string | null {
  const target = (request.body as { target?: unknown } | null | undefined)?.target;
  return typeof target === 'string' && /^[\x20-\x7e]{1,253}$/.test(target) ? target : null;
}
