// Sealed secrets bound to their row and field: a database writer who moves a sealed secret to another row gets
// nothing sent with it (to OpenStack or to a webhook receiver), and `secrets reseal` brings unbound enc:v1 rows to
// the bound format. The operator CLI runs in-process against the test database, the OpenStack simulator, a
// webhook receiver and a recording server standing in for a Keystone the attacker controls.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { OpenStackSimulator, demoProject } from '@oshift/openstack-sim';
import { sealUnboundV1, testServices } from '@oshift/testing';
import { adminInProcess } from './admin.runner';

const suffix = randomBytes(4).toString('hex');
const actor = `e2e:sealed-${suffix}`;
const key = randomBytes(32).toString('base64');
const OS_SECRET = 'demo-app-cred-secret';
const MOVED = 'was sealed for another row or field, or under another key';

jest.setTimeout(120_000);

const admin = adminInProcess({
  DATABASE_URL: testServices().databaseUrl,
  ADMIN_ACTOR: actor,
  CLUSTER_SECRET_KEY: key,
  WEBHOOK_ALLOW_LOOPBACK: 'true',
});

/** An HTTP server that answers 204 and keeps every request it got. */
async function recorder(): Promise<{
  url: string;
  seen: { headers: IncomingHttpHeaders; body: Buffer }[];
  server: Server;
}> {
  const seen: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('sealed secrets bound to their row and field', () => {
  const db = new Client({ connectionString: testServices().databaseUrl });
  let simulator: OpenStackSimulator;
  let receiver: Awaited<ReturnType<typeof recorder>>;
  let attacker: Awaited<ReturnType<typeof recorder>>;
  const victim = `victim-${suffix}`;
  const evil = `evil-${suffix}`;
  const signingSecret = `whsec-${randomBytes(12).toString('hex')}`;
  const secretOf = async (table: 'clusters' | 'webhooks', id: string) =>
    (await db.query(`SELECT secret_ref FROM ${table} WHERE id = $1`, [id])).rows[0].secret_ref as string;
  const addCluster = async (id: string, authUrl: string, secret: string) =>
    admin(
      ['cluster', 'add', id, '--auth-url', authUrl, '--app-credential-id', 'demo-app-cred', '--secret-stdin'],
      `${secret}\n`,
    );
  const addWebhook = async (clusterId: string) => {
    const added = await admin(['webhook', 'add', clusterId, `${receiver.url}/hook`], `${signingSecret}\n`);
    expect(added.stderr).toBe('');
    return /^webhook ([0-9a-f-]{36}) added for /.exec(added.stdout)![1];
  };

  beforeAll(async () => {
    await db.connect();
    simulator = await OpenStackSimulator.start({ port: 0, projects: [demoProject()] });
    [receiver, attacker] = await Promise.all([recorder(), recorder()]);
  });
  afterAll(async () => {
    receiver.server.close();
    attacker.server.close();
    await simulator.close();
    await db.end();
  });

  it("refuses a webhook's or another cluster's sealed secret moved into a cluster's column, sending nothing", async () => {
    expect(await addCluster(victim, simulator.identityUrl, OS_SECRET)).toMatchObject({ status: 0 });
    expect(await addCluster(evil, `${attacker.url}/v3`, 'attacker-knows-this-one')).toMatchObject({ status: 0 });
    const hook = await addWebhook(victim);
    expect(await secretOf('webhooks', hook)).toMatch(/^enc:v2:/);
    expect(await admin(['cluster', 'check', victim])).toEqual({
      status: 0,
      stdout: `cluster ${victim}: authenticated at ${simulator.identityUrl}; Nova lists 10 server(s): 10 ACTIVE\n`,
      stderr: '',
    });
    const tokens = simulator.projectStats('c0ffee0000000000000000000000cafe').tokensIssued;

    // As a database writer would: the webhook's signing secret, then the victim's OpenStack secret, moved into
    // the row of a cluster whose Keystone the attacker runs.
    for (const [from, id] of [
      ['webhooks', hook],
      ['clusters', victim],
    ] as const) {
      await db.query(`UPDATE clusters SET secret_ref = (SELECT secret_ref FROM ${from} WHERE id = $1) WHERE id = $2`, [
        id,
        evil,
      ]);
      const checked = await admin(['cluster', 'check', evil]);
      expect(checked).toEqual({
        status: 1,
        stdout: '',
        stderr: `error: cluster ${evil}: cannot read its secret (the sealed secret in clusters.${evil}.secret_ref does not open: it ${MOVED})\n`,
      });
    }
    expect(attacker.seen).toHaveLength(0);
    expect(simulator.projectStats('c0ffee0000000000000000000000cafe').tokensIssued).toBe(tokens);
    await db.query(`DELETE FROM clusters WHERE id = $1`, [evil]);
  });

  it("refuses a cluster's sealed secret moved into a webhook's column: no test delivery is sent or recorded", async () => {
    const hook = await addWebhook(victim);
    await db.query(`UPDATE webhooks SET secret_ref = (SELECT secret_ref FROM clusters WHERE id = $1) WHERE id = $2`, [
      victim,
      hook,
    ]);
    const before = receiver.seen.length;
    expect(await admin(['webhook', 'test', hook])).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: the sealed secret in webhooks.${hook}.secret_ref does not open: it ${MOVED}\n`,
    });
    expect(receiver.seen).toHaveLength(before);
    const deliveries = await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1`, [
      hook,
    ]);
    expect(deliveries.rows[0].n).toBe(0);
    await db.query(`DELETE FROM webhooks WHERE id = $1`, [hook]);
  });

  it('secrets reseal binds enc:v1 rows, which keep working, and refuses to bind a moved secret', async () => {
    const legacy = `legacy-${suffix}`;
    await db.query(
      `INSERT INTO clusters (id, auth_url, application_credential_id, secret_ref) VALUES ($1, $2, 'demo-app-cred', $3)`,
      [legacy, simulator.identityUrl, sealUnboundV1(OS_SECRET, key)],
    );
    const [{ id: hook }] = (
      await db.query(
        `INSERT INTO webhooks (cluster_id, url, secret_ref, created_by) VALUES ($1, $2, $3, 'e2e') RETURNING id`,
        [legacy, `${receiver.url}/hook`, sealUnboundV1(signingSecret, key)],
      )
    ).rows as { id: string }[];
    const strict = { SEALED_SECRETS_REQUIRE_BOUND: 'true' };

    // Before the reseal: read as they are, refused once bound secrets are required.
    expect(await admin(['cluster', 'check', legacy])).toMatchObject({ status: 0 });
    expect(await admin(['cluster', 'check', legacy], '', strict)).toEqual({
      status: 1,
      stdout: '',
      stderr:
        `error: cluster ${legacy}: cannot read its secret (clusters.${legacy}.secret_ref holds an unbound enc:v1 ` +
        'secret, refused by SEALED_SECRETS_REQUIRE_BOUND (run: admin secrets reseal))\n',
    });

    expect(await admin(['secrets', 'reseal', '--cluster', legacy, '--dry-run'])).toEqual({
      status: 0,
      stdout:
        'clusters: 1 would be resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'cluster kubernetes tokens: 0 would be resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'webhooks: 1 would be resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'dry run: nothing changed\n',
      stderr: '',
    });
    expect(await secretOf('clusters', legacy)).toMatch(/^enc:v1:/);
    expect(await admin(['secrets', 'reseal', '--cluster', legacy])).toEqual({
      status: 0,
      stdout:
        'clusters: 1 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'cluster kubernetes tokens: 0 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'webhooks: 1 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n',
      stderr: '',
    });
    expect(await secretOf('clusters', legacy)).toMatch(/^enc:v2:/);
    expect(await secretOf('webhooks', hook)).toMatch(/^enc:v2:/);

    // Bound now: they work with bound secrets required, and a second run changes nothing.
    expect(await admin(['cluster', 'check', legacy], '', strict)).toEqual({
      status: 0,
      stdout: `cluster ${legacy}: authenticated at ${simulator.identityUrl}; Nova lists 10 server(s): 10 ACTIVE\n`,
      stderr: '',
    });
    const before = receiver.seen.length;
    expect(await admin(['webhook', 'test', hook], '', strict)).toMatchObject({ status: 0 });
    const ping = receiver.seen[before]!;
    expect(ping.headers['x-oshift-signature']).toBe(
      `sha256=${createHmac('sha256', signingSecret).update(ping.body).digest('hex')}`,
    );
    expect((await admin(['secrets', 'reseal', '--cluster', legacy])).stdout).toBe(
      'clusters: 0 resealed, 1 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'cluster kubernetes tokens: 0 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'webhooks: 0 resealed, 1 already bound, 0 not sealed (env: or file:), 0 failed\n',
    );
    const audit = await db.query(
      `SELECT action, target, detail FROM audit_events WHERE cluster_id = $1 AND action = 'secret.reseal' ORDER BY id`,
      [legacy],
    );
    expect(audit.rows).toEqual([
      { action: 'secret.reseal', target: `clusters.${legacy}.secret_ref`, detail: { from: 'enc:v1', to: 'enc:v2' } },
      { action: 'secret.reseal', target: `webhooks.${hook}.secret_ref`, detail: { from: 'enc:v1', to: 'enc:v2' } },
    ]);

    // A moved bound secret is not bound again to where it was moved: it is named, left as it is, and the run fails.
    const moved = await secretOf('webhooks', hook);
    await db.query(`UPDATE clusters SET secret_ref = $1 WHERE id = $2`, [moved, legacy]);
    const refused = await admin(['secrets', 'reseal', '--cluster', legacy]);
    expect(refused).toEqual({
      status: 1,
      stdout:
        'clusters: 0 resealed, 0 already bound, 0 not sealed (env: or file:), 1 failed\n' +
        'cluster kubernetes tokens: 0 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'webhooks: 0 resealed, 1 already bound, 0 not sealed (env: or file:), 0 failed\n',
      stderr:
        `the sealed secret in clusters.${legacy}.secret_ref does not open: it ${MOVED}\n` +
        'error: 1 sealed secret(s) did not open and were left as they are: enter each again ' +
        '(cluster update --secret-stdin, or webhook remove and add)\n',
    });
    expect(await secretOf('clusters', legacy)).toBe(moved);
    expect(JSON.stringify(refused)).not.toContain(signingSecret);
  });

  it('rotates CLUSTER_SECRET_KEY: with the old key as CLUSTER_SECRET_KEY_PREVIOUS, reseal moves every secret to the new one', async () => {
    const rotated = `rotated-${suffix}`;
    expect(await addCluster(rotated, simulator.identityUrl, OS_SECRET)).toMatchObject({ status: 0 });
    const kube = simulator.kubernetes();
    const connected = await admin(
      ['cluster', 'update', rotated, '--kube-api-url', kube.url, '--kube-token-stdin'],
      `${kube.token}\n`,
    );
    expect(connected).toMatchObject({ status: 0, stderr: '' });
    const newKey = randomBytes(32).toString('base64');
    const rotating = { CLUSTER_SECRET_KEY: newKey, CLUSTER_SECRET_KEY_PREVIOUS: key };
    const ok = new RegExp(
      `^cluster ${rotated}: authenticated at ${simulator.identityUrl}; Nova lists 10 server\\(s\\): 10 ACTIVE\n` +
        `cluster ${rotated}: Kubernetes v[\\d.]+ at ${kube.url}; 8 node\\(s\\): 8 Ready, 0 cordoned\n`,
    );

    expect(await admin(['cluster', 'check', rotated], '', rotating)).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(ok),
    });
    expect(await admin(['secrets', 'reseal', '--cluster', rotated], '', rotating)).toEqual({
      status: 0,
      stdout:
        'clusters: 1 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'cluster kubernetes tokens: 1 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n' +
        'webhooks: 0 resealed, 0 already bound, 0 not sealed (env: or file:), 0 failed\n',
      stderr: '',
    });
    expect(await admin(['cluster', 'check', rotated], '', { CLUSTER_SECRET_KEY: newKey })).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(ok),
      stderr: '',
    });
    expect(await admin(['cluster', 'check', rotated])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining(`the sealed secret in clusters.${rotated}.secret_ref does not open`),
    });
  });
});
