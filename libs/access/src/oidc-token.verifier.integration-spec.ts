import { randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { OidcTokenVerifier, type OidcOptions } from './oidc-token.verifier';
import { IdentityProviderUnavailableError, InvalidTokenError } from './oidc.errors';
import { OidcTestProvider, type OidcTestClient } from '@oshift/testing';

const AUDIENCE = 'https://self-service.example.test/api';
const CLUSTER = 'mycompany.cor00005.cna.ukcloud.com';

describe('OidcTokenVerifier against a real OpenID Connect provider', () => {
  let provider: OidcTestProvider;
  const client: OidcTestClient = {
    clientId: 'alice-cli',
    clientSecret: randomBytes(24).toString('base64url'),
    claims: {
      preferred_username: 'alice',
      groups: [`oshift:${CLUSTER}:reboot`, 'oshift:other.example.test:read', 'staff'],
    },
  };
  const shortLived: OidcTestClient = {
    clientId: 'short',
    clientSecret: randomBytes(24).toString('base64url'),
    ttlSeconds: 1,
  };
  // No preferred_username either, but a normal lifetime: a loaded machine must not expire it mid-test.
  const bare: OidcTestClient = { clientId: 'bare', clientSecret: randomBytes(24).toString('base64url') };
  const options = (overrides: Partial<OidcOptions> = {}): OidcOptions => ({
    issuer: provider.issuer,
    audience: AUDIENCE,
    algorithms: ['RS256', 'ES256'],
    groupsClaim: 'groups',
    groupPrefix: 'oshift:',
    clockToleranceSeconds: 0,
    usernamePrefix: 'sso:',
    requireAtJwt: true,
    maxTokenAgeSeconds: 86400,
    jwksCooldownMs: 0,
    jwksMaxAgeMs: 600_000,
    timeoutMs: 3000,
    ...overrides,
  });
  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => 'accepted',
      (error: unknown) => (error instanceof InvalidTokenError ? error.reason : String(error)),
    );

  beforeAll(async () => {
    provider = await OidcTestProvider.start();
    await provider.addClient(client);
    await provider.addClient(shortLived);
    await provider.addClient(bare);
  }, 60_000);
  afterAll(() => provider?.stop());

  it('accepts a token the provider issued, with the caller and grants from its groups', async () => {
    const principal = await new OidcTokenVerifier(options()).verify(await provider.token(client, AUDIENCE));
    expect(principal).toEqual({
      userId: 'oidc:alice-cli',
      username: 'sso:alice',
      method: 'bearer',
      grants: new Map([
        [CLUSTER, ['reboot']],
        ['other.example.test', ['read']],
      ]),
    });
    // Without preferred_username, the subject names the caller.
    const unnamed = await new OidcTokenVerifier(options()).verify(await provider.token(bare, AUDIENCE));
    expect(unnamed).toMatchObject({ username: 'sso:bare', grants: new Map() });
    // The prefix is the operator's to choose.
    const prefixed = await new OidcTokenVerifier(options({ usernamePrefix: 'corp/' })).verify(
      await provider.token(client, AUDIENCE),
    );
    expect(prefixed.username).toBe('corp/alice');
  });

  it('refuses a token for another audience, and an expired one', async () => {
    const verifier = new OidcTokenVerifier(options());
    expect(await refusal(verifier.verify(await provider.token(client, 'https://other-api.example.test')))).toBe(
      'wrong audience',
    );
    const expiring = await provider.token(shortLived, AUDIENCE);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await refusal(verifier.verify(expiring))).toBe('expired');
    // A tolerance for clock skew lets it through a little longer.
    expect(await refusal(new OidcTokenVerifier(options({ clockToleranceSeconds: 30 })).verify(expiring))).toBe(
      'accepted',
    );
  });

  it('refuses tokens signed by a key the provider does not publish, or with a disallowed algorithm', async () => {
    const verifier = new OidcTokenVerifier(options());
    const claims = { preferred_username: 'mallory', groups: [`oshift:${CLUSTER}:reboot`] };
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: (await provider.publicKeys()).keys[0].kid })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await refusal(verifier.verify(forged))).toBe('bad signature');
    const unknownKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'not-a-published-key' })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await refusal(verifier.verify(unknownKid))).toBe('unknown signing key');
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(randomBytes(32));
    expect(await refusal(verifier.verify(hmac))).toBe('algorithm not allowed');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ ...claims, sub: 'm', iss: provider.issuer, aud: AUDIENCE, exp: 9999999999 }),
    ).toString('base64url')}.`;
    expect(await refusal(verifier.verify(unsigned))).toBe('algorithm not allowed');
    expect(await refusal(verifier.verify('not-a-jwt'))).toBe('malformed');
  });

  it('follows a key rotation: tokens signed with the new key verify, and so do earlier ones', async () => {
    const verifier = new OidcTokenVerifier(options());
    const before = await provider.token(client, AUDIENCE);
    expect((await verifier.verify(before)).username).toBe('sso:alice');
    const kid = await provider.rotateKeys();
    const after = await provider.token(client, AUDIENCE);
    expect(JSON.parse(Buffer.from(after.split('.')[0], 'base64url').toString()).kid).toBe(kid);
    expect((await verifier.verify(after)).username).toBe('sso:alice');
    expect((await verifier.verify(before)).username).toBe('sso:alice');
  });

  it('refuses an ID token presented as an access token, even one whose audience is this API', async () => {
    // A client whose id is the API's audience: its ID tokens carry the very `aud` the gateway expects.
    await provider.addClient({ clientId: AUDIENCE, clientSecret: randomBytes(24).toString('base64url') });
    await provider.addAccount('alice', { preferred_username: 'alice', groups: [`oshift:${CLUSTER}:reboot`] });
    const idToken = await provider.idToken(AUDIENCE, 'alice');
    expect(JSON.parse(Buffer.from(idToken.split('.')[0], 'base64url').toString()).typ).toBe('JWT');
    expect(await refusal(new OidcTokenVerifier(options()).verify(idToken))).toBe('not an access token (typ)');
    // With RFC 9068 types not required, what marks an ID token still refuses it.
    const lax = new OidcTokenVerifier(options({ requireAtJwt: false }));
    expect(await refusal(lax.verify(await provider.idToken(AUDIENCE, 'alice', { nonce: 'n-0S6_WzA2Mj' })))).toBe(
      'ID token',
    );
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: provider.issuer, aud: AUDIENCE, sub: 'alice', iat: now, exp: now + 300 };
    expect(await refusal(lax.verify(await provider.sign({ ...claims, azp: AUDIENCE })))).toBe('ID token');
    expect(await refusal(lax.verify(await provider.sign({ ...claims, typ: 'ID' })))).toBe('ID token');
    expect(await refusal(lax.verify(await provider.sign(claims, { typ: 'logout+jwt' })))).toBe(
      'not an access token (typ)',
    );
    // An access token of a provider that types them `JWT` passes only when RFC 9068 types are not required.
    const plain = await provider.sign({ ...claims, azp: 'alice-cli' }, { typ: 'JWT' });
    expect(await refusal(lax.verify(plain))).toBe('accepted');
    expect(await refusal(new OidcTokenVerifier(options()).verify(plain))).toBe('not an access token (typ)');
  });

  it('refuses a token living longer than the maximum, one without iat, and one issued in the future', async () => {
    const verifier = new OidcTokenVerifier(options({ maxTokenAgeSeconds: 3600 }));
    const longLived = { ...client, clientId: 'long-lived', ttlSeconds: 3601 };
    await provider.addClient(longLived);
    expect(await refusal(verifier.verify(await provider.token(longLived, AUDIENCE)))).toBe('lifetime too long');
    expect(
      await refusal(
        new OidcTokenVerifier(options({ maxTokenAgeSeconds: 3601 })).verify(await provider.token(longLived, AUDIENCE)),
      ),
    ).toBe('accepted');
    const now = Math.floor(Date.now() / 1000);
    const noIat = await provider.sign(
      { iss: provider.issuer, aud: AUDIENCE, sub: 'alice', exp: now + 60 },
      {
        typ: 'at+jwt',
      },
    );
    expect(await refusal(verifier.verify(noIat))).toBe('no iat claim');
    expect(await refusal(new OidcTokenVerifier(options({ maxTokenAgeSeconds: 0 })).verify(noIat))).toBe('accepted');
    // A provider whose clock runs two minutes ahead issues tokens from the future.
    await provider.setClock(120);
    try {
      const early = await provider.token(client, AUDIENCE);
      expect(await refusal(verifier.verify(early))).toBe('issued in the future');
      expect(await refusal(new OidcTokenVerifier(options({ clockToleranceSeconds: 150 })).verify(early))).toBe(
        'accepted',
      );
    } finally {
      await provider.setClock(0);
    }
  });

  it('says the provider is unavailable when discovery fails or names another issuer', async () => {
    const nowhere = new OidcTokenVerifier(options({ issuer: 'http://127.0.0.1:1', timeoutMs: 500 }));
    await expect(nowhere.verify(await provider.token(client, AUDIENCE))).rejects.toBeInstanceOf(
      IdentityProviderUnavailableError,
    );
    const impostor = new OidcTokenVerifier(options({ issuer: provider.issuer.replace('127.0.0.1', 'localhost') }));
    await expect(impostor.verify(await provider.token(client, AUDIENCE))).rejects.toThrow(/names issuer/);
  });
});
