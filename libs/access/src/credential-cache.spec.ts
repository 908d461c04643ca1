import { createHmac, randomBytes } from 'node:crypto';
import { CredentialCache } from './credential-cache';
import { Principal } from './principal';

const principal = (userId: string): Principal => ({ userId, username: userId, method: 'basic', grants: new Map() });

describe('CredentialCache', () => {
  it('keys by an HMAC that never contains the password', () => {
    const cache = new CredentialCache(1000, 10);
    const key = cache.key('alice', 'correct horse');
    expect(key).not.toContain('correct');
    expect(key).toHaveLength(43);
    expect(cache.key('alice', 'correct horse')).toBe(key);
    expect(cache.key('alice', 'correct horsf')).not.toBe(key);
    expect(new CredentialCache(1000, 10).key('alice', 'correct horse')).not.toBe(key);
  });

  it('computes HMAC-SHA-256 exactly as node:crypto does, for any username and password', () => {
    const secret = Buffer.from(randomBytes(64).map((byte) => byte & 0x7f));
    const cache = new CredentialCache(1000, 10, secret);
    const pairs = [
      ['alice', 'correct horse'],
      ['bob', 'pass:with:colons'],
      ['ünïcødé', 'pä\u00dfwört€😀'],
      ['', ''],
      ['x'.repeat(300), 'y'.repeat(1000)],
    ];
    for (const [username, password] of pairs) {
      const expected = createHmac('sha256', secret).update(username).update('\0').update(password).digest('base64url');
      expect(cache.key(username, password)).toBe(expected);
    }
  });

  it('expires entries after the TTL', () => {
    const cache = new CredentialCache(1000, 10);
    cache.set('k', principal('u1'), 0);
    expect(cache.get('k', 999)?.userId).toBe('u1');
    expect(cache.get('k', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays bounded, dropping the oldest entries first', () => {
    const cache = new CredentialCache(60000, 2);
    cache.set('a', principal('u1'), 0);
    cache.set('b', principal('u2'), 0);
    cache.set('c', principal('u3'), 0);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('c', 1)?.userId).toBe('u3');
  });

  it('forgets every entry of a user at once', () => {
    const cache = new CredentialCache(60000, 10);
    cache.set('a', principal('u1'), 0);
    cache.set('b', principal('u1'), 0);
    cache.set('c', principal('u2'), 0);
    cache.forgetUser('u1');
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)?.userId]).toEqual([undefined, undefined, 'u2']);
  });
});
