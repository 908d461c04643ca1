// The operator CLI's webhook commands, run in-process against the test database and a receiver on loopback; the
// real process where the promise is about the process itself.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { testServices } from '@oshift/testing';
import { adminInProcess, adminProcess } from './admin.runner';

const suffix = randomBytes(4).toString('hex');
const key = randomBytes(32).toString('base64');
const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
const environment = {
  DATABASE_URL: testServices().databaseUrl,
  ADMIN_ACTOR: `e2e:webhooks-${suffix}`,
  CLUSTER_SECRET_KEY: key,
  WEBHOOK_ALLOW_LOOPBACK: 'true',
};
const admin = adminInProcess(environment);
/** `npm run admin -- webhook …` as an operator runs it, for what is about the process itself. */
const adminAsProcess = adminProcess(environment);

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

  it('adds a webhook with a new secret it prints once (sealed), tests it signed, lists its last delivery, removes it', async () => {
    // The real process: the secret it makes reaches its real stdout once, with exit status 0.
    const added = await adminAsProcess(['webhook', 'add', clusterId, url]);
    expect([added.status, added.stderr]).toEqual([0, '']);
    const [, id, secret] =
      /^webhook ([0-9a-f-]{36}) added for \S+\nsigning secret \(shown once, give it to the receiver\): (whsec_\S+)\n$/.exec(
        added.stdout,
      ) ?? [];
    expect(id).toBeDefined();
    expect(Buffer.from(secret!.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const { rows } = await db.query(`SELECT * FROM webhooks WHERE id = $1`, [id]);
    expect(rows[0].secret_ref).toMatch(/^enc:v2:/);
    expect(JSON.stringify(rows[0])).not.toContain(secret!.slice('whsec_'.length));

    const tested = await admin(['webhook', 'test', id!]);
    expect(tested).toEqual({ status: 0, stdout: 'test delivery answered 204\n', stderr: '' });
    const [ping] = received.splice(0);
    // A receiver on the Standard Webhooks library verifies it with the secret exactly as printed.
    const headers = ping!.headers as Record<string, string>;
    expect(new Webhook(secret!).verify(ping!.body, headers)).toMatchObject({
      event: 'webhook.test',
      webhook_id: id,
      cluster: clusterId,
    });
    expect(headers['webhook-id']).toBe(headers['x-oshift-delivery']);
    expect(ping!.headers['x-oshift-signature']).toBe(
      `sha256=${createHmac('sha256', secret!).update(ping!.body).digest('hex')}`,
    );

    const listed = await admin(['webhook', 'list', clusterId]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id} +${clusterId} +${url.replace(/[.]/g, '\\.')} +webhook\\.test delivered +204 +1 +\\d{4}-`, 'm'),
    );
    expect(listed.stdout).not.toContain(secret!);

    expect(await admin(['webhook', 'remove', id!])).toEqual({
      status: 0,
      stdout: `webhook ${id} removed\n`,
      stderr: '',
    });
    expect((await admin(['webhook', 'list', clusterId, '-o', 'json'])).stdout).toBe('[]\n');
    const audit = await db.query(`SELECT action, detail FROM audit_events WHERE cluster_id = $1 ORDER BY id`, [
      clusterId,
    ]);
    expect(audit.rows).toEqual([
      { action: 'webhook.add', detail: { origin: new URL(url).origin } },
      { action: 'webhook.remove', detail: { origin: new URL(url).origin } },
    ]);
    expect(JSON.stringify(audit.rows)).not.toContain(secret!);
  });

  it('takes a receiver’s existing whsec_ secret from stdin, and refuses one in another form', async () => {
    // The real process: the receiver's secret piped to its stdin, as an operator pipes it.
    const added = await adminAsProcess(['webhook', 'add', '--secret-stdin', clusterId, url], `${signingSecret}\n`);
    expect([added.status, added.stderr]).toEqual([0, '']);
    expect(added.stdout).toMatch(/^webhook [0-9a-f-]{36} added for \S+\n$/);
    const id = added.stdout.split(' ')[1]!;
    expect(await admin(['webhook', 'test', id])).toMatchObject({ status: 0 });
    const [ping] = received.splice(0);
    expect(new Webhook(signingSecret).verify(ping!.body, ping!.headers as Record<string, string>)).toMatchObject({
      event: 'webhook.test',
    });
    await admin(['webhook', 'remove', id]);
    expect(await admin(['webhook', 'add', '--secret-stdin', clusterId, url], 'an-operator-chosen-password\n')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error: the signing secret must be whsec_ and 24 to 64 bytes in base64 (as `webhook add` makes one)\n',
    });
  });

  it('refuses every private, special and IPv4-embedding address form with one clear line, and changes nothing', async () => {
    const state = async () => ({
      webhooks: (await db.query(`SELECT count(*)::int AS n FROM webhooks`)).rows[0].n as number,
      audit: (await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE cluster_id = $1`, [clusterId])).rows[0]
        .n as number,
    });
    const before = await state();
    const internal = 'not a global address (WEBHOOK_ALLOW_CIDRS can allow internal receivers)';
    const cases: [string, string][] = [
      ['https://10.1.2.3/hook', `10.1.2.3 is in 10.0.0.0/8 (private-use), ${internal}`],
      ['https://172.20.0.1/hook', `172.20.0.1 is in 172.16.0.0/12 (private-use), ${internal}`],
      ['https://192.168.10.1/hook', `192.168.10.1 is in 192.168.0.0/16 (private-use), ${internal}`],
      ['https://100.64.0.7/hook', `100.64.0.7 is in 100.64.0.0/10 (shared address space), ${internal}`],
      ['https://198.18.0.1/hook', `198.18.0.1 is in 198.18.0.0/15 (benchmarking), ${internal}`],
      ['https://192.0.2.1/hook', `192.0.2.1 is in 192.0.2.0/24 (documentation (TEST-NET-1)), ${internal}`],
      [
        'https://169.254.169.254/latest/meta-data',
        '169.254.169.254 is in 169.254.0.0/16 (link-local, where cloud metadata answers): never a webhook destination',
      ],
      ['https://[fd12:3456::1]/hook', `fd12:3456::1 is in fc00::/7 (unique-local), ${internal}`],
      ['https://[fec0::1]/hook', `fec0::1 is in fec0::/10 (deprecated site-local), ${internal}`],
      ['https://[fd00:ec2::254]/', 'fd00:ec2::254 is in fd00:ec2::254/128 (AWS metadata): never a webhook destination'],
      [
        'https://[::ffff:10.1.2.3]/hook',
        `::ffff:a01:203 embeds 10.1.2.3 (IPv4-mapped), which is in 10.0.0.0/8 (private-use), ${internal}`,
      ],
      [
        'https://[64:ff9b::192.168.0.1]/hook',
        `64:ff9b::c0a8:1 embeds 192.168.0.1 (NAT64), which is in 192.168.0.0/16 (private-use), ${internal}`,
      ],
      [
        'https://[2002:a9fe:a9fe::1]/hook',
        '2002:a9fe:a9fe::1 embeds 169.254.169.254 (6to4), which is in 169.254.0.0/16 (link-local, where cloud metadata answers): never a webhook destination',
      ],
      [
        'https://[::10.0.0.1]/hook',
        `::a00:1 embeds 10.0.0.1 (IPv4-compatible), which is in 10.0.0.0/8 (private-use), ${internal}`,
      ],
    ];
    for (const [target, reason] of cases) {
      expect(await admin(['webhook', 'add', clusterId, target], '', { WEBHOOK_ALLOW_LOOPBACK: 'false' })).toEqual({
        status: 1,
        stdout: '',
        stderr: `error: webhook URL refused: ${reason}\n`,
      });
    }
    expect(await admin(['webhook', 'add', clusterId, url], '', { WEBHOOK_ALLOW_LOOPBACK: 'false' })).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error: webhook URL refused: 127.0.0.1 is a loopback address\n',
    });
    expect(await state()).toEqual(before);
    expect((await admin(['webhook', 'remove', 'nope'])).stderr).toBe('error: no webhook nope\n');
  });

  it('adds an internal receiver that WEBHOOK_ALLOW_CIDRS allows, over https only, and stops on a bad CIDR', async () => {
    const allow = { WEBHOOK_ALLOW_LOOPBACK: 'false', WEBHOOK_ALLOW_CIDRS: '10.20.0.0/16, fd00:1234::/32' };
    const added = await admin(['webhook', 'add', clusterId, 'https://10.20.1.2:8443/hook'], '', allow);
    expect(added).toMatchObject({ status: 0, stderr: '' });
    const id = added.stdout.split(' ')[1]!;
    expect((await admin(['webhook', 'remove', id])).status).toBe(0);
    expect(await admin(['webhook', 'add', clusterId, 'http://10.20.1.2/hook'], '', allow)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error: webhook URL refused: webhook URLs must be https://\n',
    });
    expect((await admin(['webhook', 'add', clusterId, 'https://10.21.0.1/hook'], '', allow)).stderr).toBe(
      'error: webhook URL refused: 10.21.0.1 is in 10.0.0.0/8 (private-use), not a global address (WEBHOOK_ALLOW_CIDRS can allow internal receivers)\n',
    );
    const bad = await admin(['webhook', 'list'], '', { WEBHOOK_ALLOW_CIDRS: '10.20.0.0/16,10.1.2.3/8' });
    expect(bad).toMatchObject({ stdout: '' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toBe(
      'error: invalid configuration: WEBHOOK_ALLOW_CIDRS: 10.1.2.3/8 has bits set past its /8 prefix (meant 10.0.0.0/8?)\n',
    );
  });
});
