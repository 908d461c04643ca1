import { randomBytes } from 'node:crypto';

/** A new unguessable job id: 128 random bits, URL-safe (22 characters of base64url). */
export function newJobId(): string {
  return randomBytes(16).toString('base64url');
}
