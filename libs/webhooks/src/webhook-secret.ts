import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks' secret form: `whsec_` and the key's bytes in base64 (24 to 64 of them). */
const STANDARD_SECRET = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

/** A new webhook signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries take it. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Why a signing secret given for a new webhook is not usable, or null: it must be in Standard Webhooks form. */
export function webhookSecretProblem(secret: string): string | null {
  const key = standardKey(secret);
  if (key && key.length >= 24 && key.length <= 64) return null;
  return 'the signing secret must be whsec_ and 24 to 64 bytes in base64 (as `webhook add` makes one)';
}

/**
 * `webhook-signature`'s value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. The key is the secret's bytes
 * after `whsec_`; a secret not in that form (webhooks added before Standard Webhooks) signs with its UTF-8 bytes,
 * which the libraries take as a raw key.
 */
export function standardWebhookSignature(secret: string, id: string, timestamp: number, body: Buffer): string {
  const hmac = createHmac('sha256', standardKey(secret) ?? Buffer.from(secret, 'utf8'));
  return `v1,${hmac.update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

function standardKey(secret: string): Buffer | null {
  const base64 = STANDARD_SECRET.exec(secret)?.[1];
  return base64 ? Buffer.from(base64, 'base64') : null;
}
