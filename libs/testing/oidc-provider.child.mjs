// A real OpenID Connect provider (oidc-provider) for tests, in its own process: the package is ES modules
// only, which Jest cannot load. Controlled over IPC by src/oidc-test-provider.ts. Issues JWT access tokens
// by the client credentials grant for any resource indicator (the token's audience), with per-client claims.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const clients = new Map();
/** Private signing keys, newest first: the provider signs with the first and publishes them all. */
let keys = [];
let handle;
let issuer;

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function build() {
  const provider = new Provider(issuer, {
    clients: [...clients.values()].map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    })),
    jwks: { keys },
    features: {
      devInteractions: { enabled: false },
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
    extraTokenClaims: (_ctx, token) => clients.get(token.clientId)?.claims,
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
  /** A new signing key; the previous ones stay published (so tokens already issued still verify) unless `retire`. */
  async rotate({ retire }) {
    keys = retire ? [await newKey()] : [await newKey(), ...keys];
    build();
    return { kid: keys[0].kid };
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
