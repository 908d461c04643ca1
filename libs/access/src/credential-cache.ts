import { hash, randomBytes } from 'node:crypto';
import type { Principal } from './principal';

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/** SHA-256's block: an HMAC key this long is used as it is (RFC 2104). */
const BLOCK_BYTES = 64;

/**
 * HMAC-SHA-256 (RFC 2104) under a random key born with it, computed as two one-shot hashes
 * (`H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))`): no `Hmac` object, key import or stream per call, which
 * `createHmac` costs on every request of the warm path. Every key byte is below 0x80 (448 random
 * bits in all), so `K ⊕ ipad` is ASCII and is prefixed to the message as a string, as UTF-8.
 */
class KeyedHash {
  private readonly innerPad: string;
  /** `K ⊕ opad`, then room for the inner digest: filled and hashed in one synchronous call, never shared. */
  private readonly outer = Buffer.alloc(BLOCK_BYTES + 32);

  constructor(key: Buffer = Buffer.from(randomBytes(BLOCK_BYTES).map((byte) => byte & 0x7f))) {
    if (key.length !== BLOCK_BYTES || key.some((byte) => byte >= 0x80))
      throw new Error(`an HMAC key of ${BLOCK_BYTES} bytes, each below 0x80, is needed`);
    this.innerPad = Buffer.from(key.map((byte) => byte ^ 0x36)).toString('latin1');
    Buffer.from(key.map((byte) => byte ^ 0x5c)).copy(this.outer);
  }

  /** The HMAC of `message` (UTF-8), base64url. */
  of(message: string): string {
    hash('sha256', this.innerPad + message, 'buffer').copy(this.outer, BLOCK_BYTES);
    return hash('sha256', this.outer, 'base64url');
  }
}

/**
 * Recently verified credentials, so a warm request costs no argon2 verification. Keys are an HMAC of
 * the credentials under a secret born with the process: the cache never holds a password or a
 * reusable hash of one. Bounded (oldest entries leave first) and short-lived.
 */
export class CredentialCache {
  private readonly hmac: KeyedHash;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    /** The HMAC's key (64 bytes, each below 0x80): tests only; otherwise random, born with the cache. */
    secret?: Buffer,
  ) {
    this.hmac = new KeyedHash(secret);
  }

  /** HMAC-SHA-256 of `username NUL password` under the cache's secret, base64url. */
  key(username: string, password: string): string {
    return this.hmac.of(`${username}\0${password}`);
  }

  get(key: string, now = Date.now()): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(key: string, principal: Principal, now = Date.now()): void {
    this.entries.delete(key);
    this.entries.set(key, { principal, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Forgets every cached credential of one user (password, roles or status changed). */
  forgetUser(userId: string): void {
    for (const [key, entry] of this.entries) if (entry.principal.userId === userId) this.entries.delete(key);
  }

  /** Forgets everything (invalidations may have been missed, e.g. while Redis was away). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
