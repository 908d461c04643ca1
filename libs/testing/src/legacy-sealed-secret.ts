import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * A secret sealed as releases before the row binding did: `enc:v1:IV.TAG.DATA`, AES-256-GCM under `key`
 * (32 bytes, base64) with no additional data. For tests of reading and resealing such stored values.
 */
export function sealUnboundV1(secret: string, key: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv, { authTagLength: 16 });
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `enc:v1:${[iv, cipher.getAuthTag(), data].map((part) => part.toString('base64url')).join('.')}`;
}
