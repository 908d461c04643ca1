import { randomBytes } from 'node:crypto';

/** A name no other test of this run uses: `prefix-xxxxxxxx`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
