import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header grants access to `/metrics`: always when no token is configured,
 * else only `Bearer <token>` (compared in constant time).
 */
export function metricsAccessAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
