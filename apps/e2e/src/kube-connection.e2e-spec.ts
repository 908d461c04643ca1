import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { AppProcess, launchChromium, testServices } from '@oshift/testing';
import { oshift, settingsFor } from './oshift.runner';
import { SystemUnderTest, type TestUser } from './system-under-test';

const key = randomBytes(32).toString('base64');
const HAPROXY = ['haproxy-0.openstacklocal', 'haproxy-1.openstacklocal'];

/** Runs the admin CLI as an operator does, with the processes' cluster secrets and key, `input` on stdin. */
function admin(args: string[], input = '') {
  const env = {
    DATABASE_URL: testServices().databaseUrl,
    ADMIN_ACTOR: 'e2e:kube-connection',
    CLUSTER_SECRET_KEY: key,
    OSHIFT_SECRET_E2E_OPENSTACK: 'demo-password',
  };
  return AppProcess.run('apps/admin/src/main.ts', args, { env, input });
}

/** Polls `probe` until it answers something `done` accepts (the gateway's short node caches expire meanwhile). */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A cluster connected to its Kubernetes API, the simulator's, by the admin CLI as an operator does it (token sealed
 * from stdin, CA from a file, over https): what `cluster check` proves, what nodestatus, `oshift nodes` and the page
 * add, what an unreachable API changes, and that a cluster not connected (or disconnected) answers as before.
 */
describe('a cluster connected to its Kubernetes API', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let browser: Browser | undefined;
  const nodestatus = () =>
    system.request('GET', `/api/openshift/${system.clusterId}/nodestatus`, { user: viewer }).then(async (answer) => ({
      status: answer.status,
      text: await answer.text(),
    }));
  const parsed = async () => JSON.parse((await nodestatus()).text) as Record<string, unknown>[];
  const referenceShape = (nodes: Record<string, unknown>[]) =>
    nodes.every((node) => Object.keys(node).join() === 'nodename,status');

  beforeAll(async () => {
    const secrets = { CLUSTER_SECRET_KEY: key };
    system = await SystemUnderTest.start({ gatewayEnv: secrets, workerEnv: secrets, publishedAtGateway: true });
    viewer = await system.user(['read']);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('not connected: nodestatus and oshift nodes answer exactly as the reference does', async () => {
    const answer = await nodestatus();
    expect(answer.status).toBe(200);
    const nodes = JSON.parse(answer.text) as Record<string, unknown>[];
    expect(nodes).toHaveLength(10);
    expect(referenceShape(nodes)).toBe(true);
    expect(answer.text).toContain('{"nodename":"haproxy-0.openstacklocal","status":"ACTIVE"}');
    const table = await oshift(['nodes'], settingsFor(system, viewer));
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME {2,}STATUS$/);
  });

  it('cluster update connects it (token sealed from stdin, CA from a file), cluster check proves it', async () => {
    const kube = system.simulator.kubernetes();
    const dir = mkdtempSync(join(tmpdir(), 'kube-ca-'));
    writeFileSync(join(dir, 'ca.pem'), kube.caPem);
    const id = system.clusterId;
    const updated = await admin(
      [
        'cluster',
        'update',
        id,
        '--kube-api-url',
        kube.tlsUrl,
        '--kube-token-stdin',
        '--kube-ca-file',
        join(dir, 'ca.pem'),
      ],
      `${kube.token}\n`,
    );
    expect(updated).toEqual({
      status: 0,
      stdout: `cluster ${id} updated (secret: env, kubernetes: ${kube.tlsUrl} token enc)\n`,
      stderr: expect.not.stringContaining(kube.token),
    });
    const [row] = await system.dataSource.query(`SELECT kube_token_ref, kube_ca_pem FROM clusters WHERE id = $1`, [id]);
    expect(row.kube_token_ref).toMatch(/^enc:v2:/);
    expect(row.kube_token_ref).not.toContain(kube.token);
    expect(row.kube_ca_pem).toBe(kube.caPem.trim());

    const version = (await (
      await fetch(`${kube.url}/version`, { headers: { authorization: `Bearer ${kube.token}` } })
    ).json()) as {
      gitVersion: string;
    };
    expect(await admin(['cluster', 'check', id])).toEqual({
      status: 0,
      stdout:
        `cluster ${id}: authenticated at ${system.simulator.identityUrl}; Nova lists 10 server(s): 10 ACTIVE\n` +
        `cluster ${id}: Kubernetes ${version.gitVersion} at ${kube.tlsUrl}; 8 node(s): 8 Ready, 0 cordoned\n` +
        `cluster ${id}: 8 of 10 server(s) matched to a node; no node for: ${HAPROXY.join(', ')}\n`,
      stderr: '',
    });
    const listed = await admin(['cluster', 'list', '-o', 'json']);
    const entry = (JSON.parse(listed.stdout) as Record<string, unknown>[]).find((cluster) => cluster.id === id);
    expect(entry).toMatchObject({ kubeApiUrl: kube.tlsUrl, kubeTokenRefScheme: 'enc', kubeCa: true });
    expect(listed.stdout).not.toMatch(/kubeTokenRef"|BEGIN CERTIFICATE/);
  });

  it('nodestatus adds ready and schedulable after the reference’s two fields; a cordoned node is not schedulable', async () => {
    const kube = system.simulator.kubernetes();
    const cordon = await fetch(`${kube.url}/api/v1/nodes/worker-1.openstacklocal`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${kube.token}`, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { unschedulable: true } }),
    });
    expect(cordon.status).toBe(200);
    const answer = await until(nodestatus, ({ text }) => text.includes('"schedulable":false'));
    expect(answer.status).toBe(200);
    expect(answer.text).toContain(
      '{"nodename":"worker-1.openstacklocal","status":"ACTIVE","ready":true,"schedulable":false}',
    );
    const nodes = JSON.parse(answer.text) as Record<string, unknown>[];
    expect(nodes.map((node) => [node.nodename, node.ready, node.schedulable])).toEqual([
      ['haproxy-0.openstacklocal', null, null],
      ['haproxy-1.openstacklocal', null, null],
      ['infra-0.openstacklocal', true, true],
      ['infra-1.openstacklocal', true, true],
      ['master-0.openstacklocal', true, true],
      ['master-1.openstacklocal', true, true],
      ['master-2.openstacklocal', true, true],
      ['worker-0.openstacklocal', true, true],
      ['worker-1.openstacklocal', true, false],
      ['worker-2.openstacklocal', true, true],
    ]);
    expect(nodes.every((node) => Object.keys(node).join() === 'nodename,status,ready,schedulable')).toBe(true);
  });

  it('oshift nodes shows READY and SCHEDULABLE columns', async () => {
    const table = await oshift(['nodes'], settingsFor(system, viewer));
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME {2,}STATUS {2,}READY {2,}SCHEDULABLE$/);
    expect(lines).toContainEqual(expect.stringMatching(/^haproxy-0\.openstacklocal +ACTIVE +- +-$/));
    expect(lines).toContainEqual(expect.stringMatching(/^worker-1\.openstacklocal +ACTIVE +yes +no$/));
    expect(lines).toContainEqual(expect.stringMatching(/^worker-0\.openstacklocal +ACTIVE +yes +yes$/));
  });

  it('the web page shows Ready and Schedulable columns', async () => {
    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${system.baseUrl}/`);
    await page.getByLabel('Username').fill(viewer.username);
    await page.getByLabel('Password').fill(viewer.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const headers = page.locator('#nodes thead th:visible');
    await page.locator('#node-rows tr[data-node="worker-1.openstacklocal"] td:visible').nth(3).waitFor();
    expect(await headers.allTextContents()).toEqual(['Name', 'Status', 'Ready', 'Schedulable', 'Actions']);
    const cells = (node: string) => page.locator(`#node-rows tr[data-node="${node}"] td:visible`).allTextContents();
    expect((await cells('worker-1.openstacklocal')).slice(0, 4)).toEqual([
      'worker-1.openstacklocal',
      'ACTIVE',
      'Yes',
      'No',
    ]);
    expect((await cells('haproxy-0.openstacklocal')).slice(0, 4)).toEqual([
      'haproxy-0.openstacklocal',
      'ACTIVE',
      '—',
      '—',
    ]);
  });

  it('an unreachable API: nodestatus still answers Nova’s statuses with null fields, cluster check says why', async () => {
    system.simulator.setKnobs({ kubeUnreachable: true });
    try {
      const answer = await until(nodestatus, ({ text }) =>
        text.includes('"nodename":"worker-0.openstacklocal","status":"ACTIVE","ready":null'),
      );
      expect(answer.status).toBe(200);
      const nodes = JSON.parse(answer.text) as Record<string, unknown>[];
      expect(nodes.map((node) => [node.status, node.ready, node.schedulable])).toEqual(
        Array.from({ length: 10 }, () => ['ACTIVE', null, null]),
      );
      const checked = await admin(['cluster', 'check', system.clusterId]);
      expect(checked.status).toBe(1);
      expect(checked.stderr).toMatch(
        new RegExp(
          `^error: cluster ${system.clusterId}: the cluster API cannot be reached \\(\\w+\\) \\(Kubernetes API https://`,
        ),
      );
    } finally {
      system.simulator.setKnobs({ kubeUnreachable: false });
    }
  });

  it('--no-kube disconnects it: nodestatus is the reference’s again', async () => {
    const id = system.clusterId;
    expect(await admin(['cluster', 'update', id, '--no-kube'])).toEqual({
      status: 0,
      stdout: `cluster ${id} updated (secret: env, kubernetes: not connected)\n`,
      stderr: '',
    });
    const nodes = await until(parsed, referenceShape);
    expect(referenceShape(nodes)).toBe(true);
    expect(nodes).toHaveLength(10);
    const [row] = await system.dataSource.query(
      `SELECT kube_api_url, kube_token_ref, kube_ca_pem, kube_node_pattern FROM clusters WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ kube_api_url: null, kube_token_ref: null, kube_ca_pem: null, kube_node_pattern: null });
    expect(await admin(['cluster', 'update', id, '--no-kube', '--kube-api-url', 'https://api:6443'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--no-kube disconnects: give no other --kube-… option with it'),
    });
  });
});
