import { claimAt, grantsFromGroups } from './oidc-grants';

describe('grantsFromGroups', () => {
  it('grants the role of each <prefix><cluster>:<role> group, ignoring everything else', () => {
    const grants = grantsFromGroups(
      [
        'oshift:mycompany.cor00005.cna.ukcloud.com:reboot',
        'oshift:mycompany.cor00005.cna.ukcloud.com:read',
        'oshift:mycompany.cor00005.cna.ukcloud.com:read',
        'oshift:other.example.test:read',
        'oshift:other.example.test:admin',
        'oshift::read',
        'oshift:no-role',
        'oshift:bad/cluster:read',
        'developers',
        'OSHIFT:other.example.test:reboot',
        42,
      ],
      'oshift:',
    );
    expect([...grants]).toEqual([
      ['mycompany.cor00005.cna.ukcloud.com', ['read', 'reboot']],
      ['other.example.test', ['read']],
    ]);
  });

  it('takes one group given as a string, and grants nothing for anything else', () => {
    expect([...grantsFromGroups('sso/a.example.test:read', 'sso/')]).toEqual([['a.example.test', ['read']]]);
    expect(grantsFromGroups(undefined, 'oshift:').size).toBe(0);
    expect(grantsFromGroups({ 'oshift:a.example.test:read': true }, 'oshift:').size).toBe(0);
  });
});

describe('claimAt', () => {
  it('reads a top-level claim by its exact name, else a dotted path', () => {
    const claims = { groups: ['a'], 'https://example.test/groups': ['b'], realm_access: { roles: ['c'] } };
    expect(claimAt(claims, 'groups')).toEqual(['a']);
    expect(claimAt(claims, 'https://example.test/groups')).toEqual(['b']);
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['c']);
    expect(claimAt(claims, 'realm_access.nothing')).toBeUndefined();
    expect(claimAt(claims, 'toString')).toBeUndefined();
  });
});
