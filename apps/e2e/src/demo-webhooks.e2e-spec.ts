import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { freePort, testServices, uniqueName } from '@oshift/testing';
import { WebhookReceiver } from './webhook.receiver';

const ROOT = resolve(__dirname, '../../..');
const CLUSTER = 'mycompany.cor00005.cna.ukcloud.com';

/**
 * `npm start` as the README runs it, then what it prints for a second terminal: the operator CLI adds a webhook to
 * a receiver on this machine, a reboot ends, and the receiver gets the `job.end` event signed with the webhook's
 * secret (the demo's worker opens it with the demo's CLUSTER_SECRET_KEY).
 */
describe('the demo: webhooks deliver as the README says', () => {
  let demo: ChildProcess;
  let output = '';
  let dataDir: string;
  let receiver: WebhookReceiver;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'oshift-demo-'));
    const [port, simPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    demo = spawn('npm', ['start'], {
      cwd: ROOT,
      // Its own process group, so that stopping it is the terminal's Ctrl-C to npm and all it started.
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        SIM_PORT: String(simPort),
        SIM_REBOOT_DURATION_MS: '500',
        DATA_DIR: dataDir,
        // The shared Redis of the tests under a prefix of its own, so no running demo or test is touched.
        REDIS_URL: testServices().redisUrl,
        REDIS_PREFIX: uniqueName('demo'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [demo.stdout!, demo.stderr!]) stream.on('data', (chunk: Buffer) => (output += chunk));
    const deadline = Date.now() + 110000;
    while (!output.includes('Ctrl-C stops everything.')) {
      if (demo.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not start:\n${output}`);
      await new Promise((done) => setTimeout(done, 200));
    }
    receiver = await WebhookReceiver.start();
  }, 120000);

  afterAll(async () => {
    if (demo?.pid && demo.exitCode === null) {
      const exited = new Promise((done) => demo.once('exit', done));
      process.kill(-demo.pid, 'SIGINT');
      await exited;
    }
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the operator CLI’s settings; a webhook added with them receives the signed end of a reboot', async () => {
    // The second terminal's line, run as printed (a shell evaluates it).
    const exportLine = output.split('\n').find((line) => line.trimStart().startsWith('export DATABASE_URL='));
    expect(exportLine).toMatch(/CLUSTER_SECRET_KEY='[A-Za-z0-9+/=]{44}' WEBHOOK_ALLOW_LOOPBACK=true$/);
    expect(output).toContain(`npm run admin -- webhook add ${CLUSTER} http://127.0.0.1:9000/hook`);
    const added = spawnSync('sh', ['-c', `${exportLine}\nnpm run -s admin -- webhook add ${CLUSTER} ${receiver.url}`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(added.stderr).toBe('');
    const secret = /signing secret \(shown once, give it to the receiver\): (whsec_\S+)/.exec(added.stdout)?.[1];
    expect(secret).toBeDefined();

    const reboot = await fetch(`${base}/api/openshift/${CLUSTER}/reboot`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('operator:operator').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'target=worker-0.openstacklocal',
    });
    expect(reboot.status).toBe(202);
    const jobId = ((await reboot.json()) as { job_id: string }).job_id;

    const [delivery] = await receiver.waitFor(1, 90000);
    // Signed with the secret the CLI printed: the library's own check passes, and gives back the event.
    const event = new Webhook(secret!).verify(delivery.body, delivery.headers as Record<string, string>);
    expect(event).toMatchObject({
      event: 'job.end',
      job_id: jobId,
      cluster: CLUSTER,
      target: 'worker-0.openstacklocal',
      state: 'done',
      status_url: `${base}/api/openshift/${CLUSTER}/job/${jobId}`,
    });
    expect(output).not.toContain('signing secret unavailable');
  });
});
