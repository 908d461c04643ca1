import { createHash } from 'node:crypto';

/** 32 hex characters derived from `parts`: Keystone-style ids that stay the same across restarts. */
export function stableHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** A version-5-shaped UUID derived from `parts`, stable across restarts (server ids the registry may cache). */
export function stableUuid(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Nova's `created`/`updated`: `2013-09-03T04:01:33Z`. */
export function novaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Nova's `launched_at` and instance action times: `2013-09-23T13:37:00.880302` (no zone). */
export function novaMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

/** Keystone's `expires_at`/`issued_at`: `2015-11-07T02:58:43.578887Z`. */
export function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
