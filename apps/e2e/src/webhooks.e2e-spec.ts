import { createHmac, randomBytes } from 'node:crypto';
import { ClusterSecrets } from '@oshift/node-registry';
import { generateWebhookSecret, WebhookAdmin, WebhookSender } from '@oshift/webhooks';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';
import { type ReceivedDelivery, WebhookReceiver } from './webhook.receiver';

const KEY = randomBytes(32).toString('base64');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Job-end webhooks: signed, retried with backoff until delivered once, never to a forbidden address. */
describe('webhooks', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let operator: TestUser;
  let admin: WebhookAdmin;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 800 },
      workerEnv: {
        CLUSTER_SECRET_KEY: KEY,
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        PUBLIC_URL: 'https://self-service.example.test',
      },
    });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    const policy = { allowLoopback: true };
    admin = new WebhookAdmin(system.dataSource, {
      source: 'e2e',
      secrets: new ClusterSecrets({ env: {}, encryptionKey: KEY }),
      policy,
      sender: new WebhookSender(policy),
    });
  }, 120000);

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await system?.stop();
  });

  const receiver = async (script?: number[], secret?: string) => {
    const started = await WebhookReceiver.start(script, secret);
    receivers.push(started);
    return started;
  };

  it('POSTs each job end, signed with HMAC-SHA256 of the exact body under the webhook’s secret', async () => {
    const endpoint = await receiver();
    const secret = generateWebhookSecret();
    const id = await admin.add(system.clusterId, endpoint.url, secret, 'e2e');
    try {
      const jobId = await startReboot(system, operator, 'worker-0.openstacklocal');
      await followJob(system, viewer, jobId);
      const [delivery] = await endpoint.waitFor(1);
      expect(delivery!.headers['content-type']).toBe('application/json');
      expect(delivery!.headers['x-oshift-delivery']).toMatch(UUID);
      const expected = `sha256=${createHmac('sha256', secret).update(delivery!.body).digest('hex')}`;
      expect(delivery!.headers['x-oshift-signature']).toBe(expected);
      expect(delivery!.body.toString('utf8')).not.toContain(secret);

      const job = (await (
        await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}`, { user: viewer })
      ).json()) as Record<string, string>;
      const event = JSON.parse(delivery!.body.toString('utf8')) as Record<string, unknown>;
      expect(Object.keys(event)).toEqual([
        'event',
        'job_id',
        'cluster',
        'target',
        'type',
        'state',
        'errors',
        'created_at',
        'ended_at',
        'status_url',
      ]);
      expect(event).toEqual({
        event: 'job.end',
        job_id: jobId,
        cluster: system.clusterId,
        target: 'worker-0.openstacklocal',
        type: 'SOFT',
        state: 'done',
        errors: '',
        created_at: job.created_at,
        ended_at: job.ended_at,
        status_url: `${system.publicUrl}/api/openshift/${system.clusterId}/job/${jobId}`,
      });
      const [listed] = await admin.list(system.clusterId);
      expect(listed).toMatchObject({ id, url: endpoint.url, lastDelivery: { state: 'delivered', status: 200 } });
    } finally {
      await admin.remove(id, 'e2e');
    }
    expect(await admin.list(system.clusterId)).toEqual([]);
  });

  /** The worker's `oshift_webhook_deliveries_total` by outcome, as Prometheus would scrape it. */
  const deliveryCounts = async () => {
    const text = await (await fetch(`${system.workerHttpUrl()}/metrics`)).text();
    const count = (outcome: string) =>
      Number(new RegExp(`^oshift_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    return { delivered: count('delivered'), retry: count('retry'), failed: count('failed') };
  };

  it('retries a receiver that fails twice with backoff, then delivers once', async () => {
    const secret = generateWebhookSecret();
    const endpoint = await receiver([500, 503], secret);
    const before = await deliveryCounts();
    const id = await admin.add(system.clusterId, endpoint.url, secret, 'e2e');
    try {
      const jobId = await startReboot(system, operator, 'worker-1.openstacklocal');
      await followJob(system, viewer, jobId);
      const deliveries = await endpoint.waitFor(3, 60000);
      // The same delivery, byte for byte, each time; 5 s then 10 s apart (the production backoff).
      expect(new Set(deliveries.map((d) => d.headers['x-oshift-delivery'])).size).toBe(1);
      expect(new Set(deliveries.map((d) => d.body.toString('utf8'))).size).toBe(1);
      // One webhook-id, each attempt signed at its own time; the Standard Webhooks receiver took every one.
      expect(deliveries.map((d) => d.headers['webhook-id'])).toEqual(
        deliveries.map((d) => d.headers['x-oshift-delivery']),
      );
      const stamps = deliveries.map((d) => Number(d.headers['webhook-timestamp']));
      expect(stamps[1]! - stamps[0]!).toBeGreaterThanOrEqual(4);
      expect(stamps[2]! - stamps[1]!).toBeGreaterThanOrEqual(9);
      expect(endpoint.outcomes).toEqual(['failed 500', 'failed 503', 'acted on']);
      expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(4500);
      expect(deliveries[2]!.at - deliveries[1]!.at).toBeGreaterThanOrEqual(9000);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(endpoint.received).toHaveLength(3);
      const [listed] = await admin.list(system.clusterId);
      expect(listed!.lastDelivery).toMatchObject({ event: 'job.end', state: 'delivered', attempts: 3, status: 200 });
      // The worker's metrics count the two failed attempts and the delivery.
      expect(await deliveryCounts()).toEqual({
        delivered: before.delivered + 1,
        retry: before.retry + 2,
        failed: before.failed,
      });
    } finally {
      await admin.remove(id, 'e2e');
    }
  });

  it('a receiver on the Standard Webhooks library verifies a delivery, and refuses it replayed, late or re-stamped', async () => {
    const secret = generateWebhookSecret();
    const endpoint = await receiver([], secret);
    const id = await admin.add(system.clusterId, endpoint.url, secret, 'e2e');
    try {
      const jobId = await startReboot(system, operator, 'worker-2.openstacklocal');
      await followJob(system, viewer, jobId);
      const [delivery] = await endpoint.waitFor(1);
      expect(endpoint.outcomes).toEqual(['acted on']);
      expect(delivery!.headers['webhook-id']).toBe(delivery!.headers['x-oshift-delivery']);
      expect(Math.abs(Number(delivery!.headers['webhook-timestamp']) - delivery!.at / 1000)).toBeLessThan(5);
      expect(JSON.parse(delivery!.body.toString('utf8'))).toMatchObject({ event: 'job.end', job_id: jobId });

      // Whoever captured the request sends it again, byte for byte: acknowledged, not acted on twice.
      expect(await replay(endpoint, delivery!)).toEqual({ status: 200, text: 'already handled' });
      // Sent again six minutes later, when the receiver no longer keeps its id: the library's tolerance refuses it.
      endpoint.clockAheadMs = 6 * 60 * 1000;
      expect(await replay(endpoint, delivery!)).toEqual({ status: 400, text: 'refused' });
      // Given a fresh timestamp to pass that check, the signature no longer matches.
      const now = String(Math.floor((Date.now() + endpoint.clockAheadMs) / 1000));
      expect(await replay(endpoint, delivery!, { 'webhook-timestamp': now })).toEqual({ status: 400, text: 'refused' });
      expect(endpoint.outcomes).toEqual([
        'acted on',
        'duplicate',
        'refused: Message timestamp too old',
        'refused: No matching signature found',
      ]);
      const [listed] = await admin.list(system.clusterId);
      expect(listed!.lastDelivery).toMatchObject({ state: 'delivered', attempts: 1, status: 200 });
    } finally {
      await admin.remove(id, 'e2e');
    }
  });

  it('checks the address again at delivery: an inward URL written into the table is refused once, not retried', async () => {
    const id = await admin.add(system.clusterId, 'https://hooks.example.com/oshift', generateWebhookSecret(), 'e2e');
    try {
      // A database writer points the webhook at the metadata service, through NAT64.
      await system.dataSource.query(`UPDATE webhooks SET url = $2 WHERE id = $1`, [
        id,
        'https://[64:ff9b::a9fe:a9fe]/latest/meta-data',
      ]);
      const jobId = await startReboot(system, operator, 'worker-0.openstacklocal');
      await followJob(system, viewer, jobId);
      let listed = (await admin.list(system.clusterId))[0];
      for (const deadline = Date.now() + 20000; listed?.lastDelivery?.state !== 'failed' && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        listed = (await admin.list(system.clusterId))[0];
      }
      expect(listed!.lastDelivery).toEqual({
        event: 'job.end',
        state: 'failed',
        attempts: 1,
        status: null,
        error:
          '64:ff9b::a9fe:a9fe embeds 169.254.169.254 (NAT64), which is in 169.254.0.0/16 (link-local, where cloud metadata answers): never a webhook destination',
        at: expect.any(Date),
      });
    } finally {
      await admin.remove(id, 'e2e');
    }
  });

  it('refuses URLs that are not https, or point at metadata, link-local or (here) loopback addresses', async () => {
    const strict = new WebhookAdmin(system.dataSource, {
      secrets: new ClusterSecrets({ env: {}, encryptionKey: KEY }),
      policy: { allowLoopback: false },
      sender: new WebhookSender({ allowLoopback: false }),
    });
    const secret = generateWebhookSecret();
    for (const [url, reason] of [
      ['http://hooks.example.com/x', 'webhook URLs must be https://'],
      ['ftp://hooks.example.com/x', 'webhook URLs must be https://'],
      [
        'https://169.254.169.254/latest/meta-data',
        '169.254.169.254 is in 169.254.0.0/16 (link-local, where cloud metadata answers): never a webhook destination',
      ],
      ['https://metadata.google.internal/computeMetadata', 'metadata services are never a webhook destination'],
      ['https://[fe80::1]/hook', 'fe80::1 is in fe80::/10 (link-local): never a webhook destination'],
      ['http://127.0.0.1:9/hook', '127.0.0.1 is a loopback address'],
      ['https://user:pw@hooks.example.com/x', 'credentials do not belong in a webhook URL'],
    ]) {
      await expect(strict.add(system.clusterId, url!, secret, 'e2e')).rejects.toThrow(`webhook URL refused: ${reason}`);
    }
    await expect(
      strict.add(system.clusterId, 'https://hooks.example.com/x', 'a-long-enough-signing-secret', 'e2e'),
    ).rejects.toThrow('the signing secret must be whsec_ and 24 to 64 bytes in base64 (as `webhook add` makes one)');
    expect(await admin.list(system.clusterId)).toEqual([]);
  });
});

/** Sends a received delivery to the receiver again, as someone who captured it would, with `changes` to its headers. */
async function replay(endpoint: WebhookReceiver, delivery: ReceivedDelivery, changes: Record<string, string> = {}) {
  const headers = Object.fromEntries(
    Object.entries(delivery.headers).filter(
      (entry): entry is [string, string] =>
        typeof entry[1] === 'string' && !['host', 'connection', 'content-length'].includes(entry[0]),
    ),
  );
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { ...headers, ...changes },
    body: new Uint8Array(delivery.body),
  });
  return { status: response.status, text: await response.text() };
}
