import { createHmac, randomBytes } from 'node:crypto';
import { clusterSecretBinding, ClusterSecrets } from '@oshift/node-registry';
import { demoProject } from '@oshift/openstack-sim';
import { WebhookAdmin, WebhookSender } from '@oshift/webhooks';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';
import { WebhookReceiver } from './webhook.receiver';

const KEY = randomBytes(32).toString('base64');
const MOVED = 'does not open: it was sealed for another row or field, or under another key';

/**
 * A database writer without CLUSTER_SECRET_KEY moves sealed secrets between rows in SQL. The gateway and the
 * worker (bound secrets required) open each secret only for the row and field it was sealed for: a moved one
 * sends nothing to OpenStack or to a webhook receiver, and the error names the place, never the secret.
 */
describe('sealed secrets moved between rows', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let viewer: TestUser;
  let admin: WebhookAdmin;
  const receivers: WebhookReceiver[] = [];
  const secrets = new ClusterSecrets({ env: {}, encryptionKey: KEY });
  const settings = { CLUSTER_SECRET_KEY: KEY, SEALED_SECRETS_REQUIRE_BOUND: 'true', NODE_STATUS_CACHE_MS: '0' };

  /** The cluster's `secret_ref`, written as a database writer would (the processes pick the row up at once). */
  const setClusterSecret = (ref: string) =>
    system.dataSource.query(`UPDATE clusters SET secret_ref = $2, updated_at = now() WHERE id = $1`, [
      system.clusterId,
      ref,
    ]);
  const secretOf = async (table: 'clusters' | 'webhooks', id: string) =>
    (
      (await system.dataSource.query(`SELECT secret_ref FROM ${table} WHERE id = $1`, [id])) as { secret_ref: string }[]
    )[0]!.secret_ref;
  const receiver = async () => {
    const started = await WebhookReceiver.start();
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 800 },
      gatewayEnv: settings,
      workerEnv: { ...settings, WEBHOOK_ALLOW_LOOPBACK: 'true' },
    });
    [operator, viewer] = await Promise.all([system.user(['reboot']), system.user(['read'])]);
    const policy = { allowLoopback: true };
    admin = new WebhookAdmin(system.dataSource, { source: 'e2e', secrets, policy, sender: new WebhookSender(policy) });
    // The cluster's OpenStack password, sealed for its row as `cluster update --secret-stdin` stores it.
    await setClusterSecret(secrets.seal(demoProject().users[0]!.password, clusterSecretBinding(system.clusterId)));
  }, 120000);

  afterAll(async () => {
    await Promise.all(receivers.map((started) => started.close()));
    await system?.stop();
  });

  it("reboots on the cluster's own sealed secret; a webhook's moved into its column sends nothing to OpenStack", async () => {
    const done = await followJob(system, viewer, await startReboot(system, operator, 'worker-0.openstacklocal'));
    expect(done.output).toMatch(/\nDone$/);
    const own = await secretOf('clusters', system.clusterId);
    const endpoint = await receiver();
    const hook = await admin.add(system.clusterId, endpoint.url, `whsec_${randomBytes(32).toString('base64')}`, 'e2e');
    const before = system.simulator.projectStats(demoProject().id);

    await setClusterSecret(await secretOf('webhooks', hook));
    const base = `/api/openshift/${system.clusterId}`;
    const reboot = await system.request('POST', `${base}/reboot`, {
      user: operator,
      form: { target: 'worker-1.openstacklocal' },
    });
    const nodes = await system.request('GET', `${base}/nodestatus`, { user: viewer });
    const answers = [
      { status: reboot.status, body: await reboot.text() },
      { status: nodes.status, body: await nodes.text() },
    ];
    // The customer is told only that OpenStack cannot be used; the operator's log says which row and field.
    const unavailable = { status: 503, body: JSON.stringify({ error: 'OpenStack is unavailable, try again later' }) };
    expect(answers).toEqual([unavailable, unavailable]);
    expect(system.gateway.logs).toContain(`the sealed secret in clusters.${system.clusterId}.secret_ref ${MOVED}`);
    expect(system.gateway.logs).not.toContain('whsec_');
    const after = system.simulator.projectStats(demoProject().id);
    expect({ tokens: after.tokensIssued, reboots: after.rebootActions }).toEqual({
      tokens: before.tokensIssued,
      reboots: before.rebootActions,
    });
    expect(system.simulator.rebootActions('worker-1.openstacklocal')).toBe(0);

    await setClusterSecret(own);
    await admin.remove(hook, 'e2e');
  });

  it("fails a job end's delivery to a webhook holding the cluster's moved secret, and sends the receiver nothing", async () => {
    const [bound, moved] = [await receiver(), await receiver()];
    const signing = `whsec_${randomBytes(32).toString('base64')}`;
    const good = await admin.add(system.clusterId, bound.url, signing, 'e2e');
    const bad = await admin.add(system.clusterId, moved.url, `whsec_${randomBytes(32).toString('base64')}`, 'e2e');
    await system.dataSource.query(`UPDATE webhooks SET secret_ref = $2 WHERE id = $1`, [
      bad,
      await secretOf('clusters', system.clusterId),
    ]);

    const jobId = await startReboot(system, operator, 'worker-2.openstacklocal');
    expect((await followJob(system, viewer, jobId)).output).toMatch(/\nDone$/);
    const [delivery] = await bound.waitFor(1);
    expect(delivery!.headers['x-oshift-signature']).toBe(
      `sha256=${createHmac('sha256', signing).update(delivery!.body).digest('hex')}`,
    );
    let attempt: { attempts: number; last_error: string | null } | undefined;
    for (let tries = 0; tries < 100 && !attempt?.attempts; tries += 1) {
      [attempt] = (await system.dataSource.query(
        `SELECT attempts, last_error FROM webhook_deliveries WHERE webhook_id = $1 AND job_id = $2`,
        [bad, jobId],
      )) as { attempts: number; last_error: string | null }[];
      if (!attempt?.attempts) await new Promise((later) => setTimeout(later, 100));
    }
    expect(attempt).toEqual({
      attempts: 1,
      last_error: `signing secret unavailable: the sealed secret in webhooks.${bad}.secret_ref ${MOVED}`,
    });
    expect(moved.received).toHaveLength(0);
    await admin.remove(good, 'e2e');
    await admin.remove(bad, 'e2e');
  });
});
