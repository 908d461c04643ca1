import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { testServices } from '@oshift/testing';

const ROOT = resolve(__dirname, '../../..');
const suffix = randomBytes(4).toString('hex');
const key = randomBytes(32).toString('base64');
const signingSecret = `whsec-${randomBytes(12).toString('hex')}`;

jest.setTimeout(120_000);

/** `npm run admin -- webhook …` as an operator runs it, `input` piped on stdin. */
function admin(args: string[], input = '', env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/admin/src/main.ts', ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: testServices().databaseUrl,
          ADMIN_ACTOR: `e2e:webhooks-${suffix}`,
          CLUSTER_SECRET_KEY: key,
          WEBHOOK_ALLOW_LOOPBACK: 'true',
          ...env,
        },
      },
      (error, stdout, stderr) => done({ status: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

describe('admin CLI: webhook add, list, test, remove', () => {
  const db = new Client({ connectionString: testServices().databaseUrl });
  const clusterId = `hooks-${suffix}.example.test`;
  const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  let url: string;

  beforeAll(async () => {
    await db.connect();
    await db.query(`INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`, [
      clusterId,
    ]);
    await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    receiver.close();
    await db.end();
  });

  it('adds a webhook with its secret from stdin (sealed), tests it signed, lists its last delivery, removes it', async () => {
    const added = await admin(['webhook', 'add', clusterId, url], `${signingSecret}\n`);
    expect(added.stderr).toBe('');
    const id = /^webhook ([0-9a-f-]{36}) added for /.exec(added.stdout)?.[1];
    expect(id).toBeDefined();
    const { rows } = await db.query(`SELECT * FROM webhooks WHERE id = $1`, [id]);
    expect(rows[0].secret_ref).toMatch(/^enc:v1:/);
    expect(JSON.stringify(rows[0])).not.toContain(signingSecret);

    const tested = await admin(['webhook', 'test', id!]);
    expect(tested).toEqual({ status: 0, stdout: 'test delivery answered 204\n', stderr: '' });
    const [ping] = received;
    expect(ping!.headers['x-oshift-signature']).toBe(
      `sha256=${createHmac('sha256', signingSecret).update(ping!.body).digest('hex')}`,
    );
    expect(JSON.parse(ping!.body.toString('utf8'))).toMatchObject({
      event: 'webhook.test',
      webhook_id: id,
      cluster: clusterId,
    });

    const listed = await admin(['webhook', 'list', clusterId]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id} +${clusterId} +${url.replace(/[.]/g, '\\.')} +webhook\\.test delivered +204 +1 +\\d{4}-`, 'm'),
    );
    expect(listed.stdout).not.toContain(signingSecret);

    expect(await admin(['webhook', 'remove', id!])).toEqual({
      status: 0,
      stdout: `webhook ${id} removed\n`,
      stderr: '',
    });
    expect((await admin(['webhook', 'list', clusterId, '--json'])).stdout).toBe('[]\n');
    const audit = await db.query(`SELECT action, detail FROM audit_events WHERE cluster_id = $1 ORDER BY id`, [
      clusterId,
    ]);
    expect(audit.rows).toEqual([
      { action: 'webhook.add', detail: { origin: new URL(url).origin } },
      { action: 'webhook.remove', detail: { origin: new URL(url).origin } },
    ]);
  });

  it('refuses a URL the deployment does not allow, with status 1 and one line', async () => {
    const refused = await admin(['webhook', 'add', clusterId, url], `${signingSecret}\n`, {
      WEBHOOK_ALLOW_LOOPBACK: 'false',
    });
    expect(refused).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error: webhook URL refused: 127.0.0.1 is a loopback address\n',
    });
    const metadata = await admin(['webhook', 'add', clusterId, 'https://169.254.169.254/'], `${signingSecret}\n`);
    expect(metadata.status).toBe(1);
    expect(metadata.stderr).toMatch(
      /169.254.169.254 is in 169.254.0.0\/16 \(link-local, where cloud metadata answers\): never a webhook destination/,
    );
    expect((await admin(['webhook', 'remove', 'nope'])).stderr).toBe('error: no webhook nope\n');
  });
});
