import { z } from 'zod';

/** A node name as OpenStack and OpenShift write it: letters, digits, dots, dashes, underscores. */
const nodeName = z
  .string({ error: 'target is required' })
  .min(1, 'target is required')
  .max(253, 'target is too long')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'target must be a node name');

const schema = z.object({ target: nodeName });

export type RebootRequestDto = z.output<typeof schema>;

/** The body of `POST reboot`, form-encoded (`target=…`) or JSON; null with a reason when it is not one. */
export function parseRebootRequest(
  body: unknown,
): { ok: true; value: RebootRequestDto } | { ok: false; error: string } {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, error: issue?.path[0] === 'target' ? issue.message : 'target is required' };
}
