import type { RebootType } from './nova.types';

/** Body of `POST /servers/{id}/action` for a reboot: `{"reboot": {"type": "SOFT"}}`. */
export function buildRebootBody(type: RebootType): { reboot: { type: RebootType } } {
  if (type !== 'SOFT' && type !== 'HARD') throw new RangeError(`reboot type must be SOFT or HARD, not ${String(type)}`);
  return { reboot: { type } };
}
