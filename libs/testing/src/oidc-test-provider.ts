import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';

const CHILD = resolve(__dirname, '../oidc-provider.child.mjs');

/** A client of the test provider: its token's claims (groups, preferred_username, …) and lifetime. */
export interface OidcTestClient {
  clientId: string;
  clientSecret: string;
  /** A public client of the authorization code flow with PKCE (a web page) that the provider sends back here. */
  redirectUris?: string[];
  claims?: Record<string, unknown>;
  ttlSeconds?: number;
}

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  type?: string;
  issuer?: string;
}

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1, run in a child process, that
 * issues RS256 JWT access tokens by the client credentials grant with a resource indicator as audience.
 */
export class OidcTestProvider {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
    private readonly output: { text: string },
  ) {
    child.on('message', (message: Reply) => {
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error));
    });
  }

  static async start(): Promise<OidcTestProvider> {
    const child = fork(CHILD, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { PATH: process.env.PATH ?? '' } });
    const output = { text: '' };
    child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
    const issuer = await new Promise<string>((resolveIssuer, reject) => {
      const timer = setTimeout(() => reject(new Error(`OIDC test provider did not start:\n${output.text}`)), 30000);
      child.once('exit', (code) => reject(new Error(`OIDC test provider exited (${code}):\n${output.text}`)));
      child.on('message', (message: Reply) => {
        if (message.type !== 'ready' || !message.issuer) return;
        clearTimeout(timer);
        resolveIssuer(message.issuer);
      });
    });
    return new OidcTestProvider(child, issuer, output);
  }

  /** What the provider printed (warnings, server errors). */
  get logs(): string {
    return this.output.text;
  }

  addClient(client: OidcTestClient): Promise<void> {
    return this.call('addClient', { client }) as Promise<void>;
  }

  /** Someone who can sign in on the provider's development form as `accountId`, with these token claims. */
  addAccount(accountId: string, claims: Record<string, unknown>): Promise<void> {
    return this.call('addAccount', { accountId, claims }) as Promise<void>;
  }

  /** Signs new tokens with a new key; earlier keys stay published unless `retire` is set. Answers the new key id. */
  async rotateKeys(options: { retire?: boolean } = {}): Promise<string> {
    return ((await this.call('rotate', options)) as { kid: string }).kid;
  }

  /** Runs the provider's clock `seconds` ahead of the machine's (negative: behind); 0 sets it right again. */
  async setClock(seconds: number): Promise<void> {
    await this.call('setClock', { seconds });
  }

  /** An ID token the provider issues to the client `clientId` for `accountId` (see {@link addAccount}). */
  async idToken(clientId: string, accountId: string, options: { nonce?: string } = {}): Promise<string> {
    return (await this.call('idToken', { clientId, accountId, nonce: options.nonce })) as string;
  }

  /**
   * `claims` and `header` parameters signed with the provider's current key, for tokens the provider's own
   * endpoints would not issue (what a misconfigured or misbehaving provider might).
   */
  async sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    return (await this.call('sign', { claims, header })) as string;
  }

  /** The published key set (public keys only). */
  async publicKeys(): Promise<{ keys: Record<string, string>[] }> {
    return (await this.call('publicKeys')) as { keys: Record<string, string>[] };
  }

  /** An access token for `client`, with `resource` as its audience, from the provider's token endpoint. */
  async token(client: OidcTestClient, resource: string): Promise<string> {
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
    });
    const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (response.status !== 200 || !body.access_token) {
      throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
    }
    return body.access_token;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.kill('SIGTERM');
    await exited;
  }

  private call(type: string, payload: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolveCall, reject) => {
      this.pending.set(id, { resolve: resolveCall, reject });
      this.child.send({ ...payload, type, id });
    });
  }
}
