// A real OpenID Connect provider (oidc-provider) for tests, in its own process: the package is ES modules
// only, which Jest cannot load. Controlled over IPC by src/oidc-test-provider.ts. Issues JWT access tokens
// by the client credentials grant for any resource indicator (the token's audience), with per-client claims;
// and, for public clients with redirect URIs (a web page), by the authorization code grant with PKCE after its
// development sign-in form (any login name, claims per account).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const clients = new Map();
const accounts = new Map();
/** Private signing keys, newest first: the provider signs with the first and publishes them all. */
let keys = [];
let handle;
let issuer;
let provider;
/** Seconds this provider's clock runs ahead of (or, negative, behind) the machine's. */
let clockOffset = 0;
const realNow = Date.now;
Date.now = () => realNow() + clockOffset * 1000;

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function build() {
  provider = new Provider(issuer, {
    clients: [...clients.values()].map((client) =>
      client.redirectUris
        ? {
            client_id: client.clientId,
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code'],
            redirect_uris: client.redirectUris,
            response_types: ['code'],
          }
        : {
            client_id: client.clientId,
            client_secret: client.clientSecret,
            grant_types: ['client_credentials'],
            redirect_uris: [],
            response_types: [],
          },
    ),
    jwks: { keys },
    // A web page may call discovery and the token endpoint from the origin of its redirect URIs.
    clientBasedCORS: (_ctx, origin, client) =>
      (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource, client) => ({
          scope: '',
          audience: resource,
          accessTokenTTL: clients.get(client.clientId)?.ttlSeconds ?? 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) =>
      token.accountId ? accounts.get(token.accountId) : clients.get(token.clientId)?.claims,
    ttl: { ClientCredentials: (_ctx, _token, client) => clients.get(client.clientId)?.ttlSeconds ?? 300 },
  });
  provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider server_error: ${error}\n`));
  handle = provider.callback();
}

const server = createServer((request, response) => handle(request, response));

const handlers = {
  async addClient({ client }) {
    clients.set(client.clientId, client);
    build();
  },
  /** Claims of the access tokens issued to someone who signs in as `accountId` (groups, preferred_username, …). */
  async addAccount({ accountId, claims }) {
    accounts.set(accountId, claims);
  },
  /** A new signing key; the previous ones stay published (so tokens already issued still verify) unless `retire`. */
  async rotate({ retire }) {
    keys = retire ? [await newKey()] : [await newKey(), ...keys];
    build();
    return { kid: keys[0].kid };
  },
  /** Runs this provider's clock `seconds` ahead (negative: behind): its tokens' `iat` and `exp` follow it. */
  async setClock({ seconds }) {
    clockOffset = seconds;
  },
  /** An ID token the provider issues to `clientId` for the account `accountId` (its claims as for its access tokens). */
  async idToken({ clientId, accountId, nonce }) {
    const client = await provider.Client.find(clientId);
    if (!client) throw new Error(`no client ${clientId}`);
    const token = new provider.IdToken({ sub: accountId }, { client });
    token.scope = 'openid';
    for (const [claim, value] of Object.entries(accounts.get(accountId) ?? {})) token.set(claim, value);
    if (nonce) token.set('nonce', nonce);
    return token.issue({ use: 'idtoken' });
  },
  /** Any claims and header parameters, signed with the provider's current key: what a misbehaving provider issues. */
  async sign({ claims, header }) {
    const key = await importJWK(keys[0], 'RS256');
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: keys[0].kid, ...header }).sign(key);
  },
  async publicKeys() {
    return { keys: keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })) };
  },
};

process.on('message', async (message) => {
  try {
    const result = await handlers[message.type](message);
    process.send({ id: message.id, ok: true, result });
  } catch (error) {
    process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));

keys = [await newKey()];
server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  build();
  process.send({ type: 'ready', issuer });
});
