import { isSeparatePrefix } from './oidc-token.verifier';

describe('isSeparatePrefix: SSO names that can never be a local username', () => {
  it('takes printable prefixes holding a character local usernames cannot', () => {
    expect(['sso:', 'corp/', 'idp#', 'sso:corp:'].filter(isSeparatePrefix)).toEqual([
      'sso:',
      'corp/',
      'idp#',
      'sso:corp:',
    ]);
  });

  it('refuses the empty prefix, prefixes a local username could start with, and the audit trail’s own', () => {
    const refused = ['', 'sso-', 'sso', 'sso.', 'sso@', 'a b:', 'sso:\u0000', 'operator:', 'unknown:', 'operator:sso:'];
    expect(refused.filter(isSeparatePrefix)).toEqual([]);
  });
});
