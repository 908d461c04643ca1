import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { Principal } from '@oshift/access';
import {
  ClusterPolicyAdmin,
  ClusterRules,
  JobRequests,
  REBOOT_QUEUE,
  RebootCooldownError,
  type RebootJobPayload,
  RebootRefusedError,
} from '@oshift/jobs';
import type { ClusterNode } from '@oshift/node-registry';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { RequestAudit } from '../audit/request-audit';
import type { GatewayConfig } from '../gateway.config';
import { JobLinks } from '../jobs/job-links';
import { ClusterPolicyCache } from './cluster-policy.cache';
import { JobIntake, type RebootStarted } from './job-intake';
import { RebootRules } from './reboot-rules';
import { RebootService } from './reboot.service';
import { RebootProducer } from './reboot.producer';

const NODES: ClusterNode[] = ['haproxy-0', 'haproxy-1', 'master-0', 'worker-0', 'worker-1', 'worker-2'].map(
  (nodename) => ({ nodename, status: 'ACTIVE', serverId: `srv-${nodename}`, taskState: null }),
);
const principal: Principal = { userId: 'u1', username: 'operator', method: 'basic', grants: new Map() };

/**
 * Two gateways (each its own policy cache) over one Postgres and one queue, the policy changed by the admin CLI's
 * own class: whatever a gateway holds, its answers are the ones the policy in force gives.
 */
describe('RebootService on two gateways against Postgres and Redis', () => {
  let dataSource: DataSource;
  let queue: Queue<RebootJobPayload>;
  let clusterId: string;
  let admin: ClusterPolicyAdmin;
  let statements: string[];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    const { databaseUrl, redisUrl, redisPrefix } = testServices();
    dataSource = new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 4 }));
    await dataSource.initialize();
    queue = new Queue(REBOOT_QUEUE, { connection: { url: redisUrl }, prefix: `${redisPrefix}:${uniqueName('q')}` });
    clusterId = `${uniqueName('policy')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
    admin = new ClusterPolicyAdmin(dataSource, { source: 'test' });
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    await dataSource?.destroy();
  });

  beforeEach(() => (statements = []));
  afterEach(async () => {
    await dataSource.query(
      `UPDATE jobs SET state = 'done', finished_at = now() - interval '1 day' WHERE cluster_id = $1`,
      [clusterId],
    );
    await admin.reset(clusterId, 'test');
  });

  /** One gateway's reboot path, as its module wires it; Postgres round trips of its own reads are counted. */
  function gateway(): RebootService {
    const rules = new ClusterRules(dataSource);
    const counted: ClusterRules = Object.assign(Object.create(rules) as ClusterRules, {
      storedPolicy: (id: string) => (statements.push('policy'), rules.storedPolicy(id)),
      nodeFacts: (id: string, target: string) => (statements.push('facts'), rules.nodeFacts(id, target)),
    });
    const policies = new ClusterPolicyCache(counted);
    const config = { http: { publicUrl: 'https://api.example.test' }, jobs: { deadlineMs: 600_000 } } as GatewayConfig;
    const intake = new JobIntake(
      new JobRequests(dataSource),
      new RebootProducer(queue),
      new RequestAudit(dataSource, { audit: { hashKey: undefined } }),
      new JobLinks(config),
      config,
      counted,
      policies,
    );
    return new RebootService({ listNodes: async () => NODES }, new RebootRules(counted, policies), intake);
  }

  const reboot = (on: RebootService, target: string, body: Record<string, unknown> = {}) =>
    on.request(clusterId, { target, ...body }, principal, {
      id: uniqueName('req'),
      ip: '192.0.2.7',
    }) as Promise<RebootStarted>;
  const jobsOf = async (target: string) =>
    (
      await dataSource.query(`SELECT id FROM jobs WHERE cluster_id = $1 AND target = $2 AND state = 'queued'`, [
        clusterId,
        target,
      ])
    ).map((row: { id: string }) => row.id);
  const refusals = async (target: string) =>
    (
      await dataSource.query(
        `SELECT detail->>'reason' AS reason FROM audit_events
          WHERE action = 'node.reboot' AND cluster_id = $1 AND target = $2 AND outcome = 'refused' ORDER BY id`,
        [clusterId, target],
      )
    ).map((row: { reason: string }) => row.reason);

  it('reads a policy once per gateway, then records each reboot with no read of its own, and enqueues it', async () => {
    const [a, b] = [gateway(), gateway()];
    const first = await reboot(a, 'worker-0');
    await reboot(b, 'worker-1');
    await reboot(a, 'worker-2');
    expect(statements).toEqual(['policy', 'policy']);
    expect(first.state).toBe('started');
    expect(await jobsOf('worker-0')).toEqual([first.job_id]);
    expect((await queue.getJob(first.job_id))?.data).toMatchObject({ jobId: first.job_id, clusterId });
  });

  it('refuses on a gateway holding an older policy what the policy now in force refuses', async () => {
    const [a, b] = [gateway(), gateway()];
    await reboot(a, 'worker-0');
    await reboot(b, 'worker-1');
    // A window that opens in about six hours, set through the admin CLI's path on neither gateway.
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const opens = Date.now() + 6 * 3_600_000;
    await admin.set(clusterId, { windows: [`daily ${hhmm(opens)}-${hhmm(opens + 3_600_000)} UTC`] }, 'ops');
    statements = [];
    const refused = reboot(b, 'worker-2');
    await expect(refused).rejects.toBeInstanceOf(RebootRefusedError);
    await expect(refused).rejects.toMatchObject({ reason: expect.stringMatching(/^outside the maintenance window/) });
    expect(await jobsOf('worker-2')).toEqual([]);
    expect(await refusals('worker-2')).toEqual(['cluster rules']);
    // The held policy allowed it: the guarded insert found another policy in force, and the request was decided
    // again on it (then refused on the facts read now).
    expect(statements).toEqual(['policy', 'facts']);

    // Back to the defaults: the gateway that now holds the windows accepts again, from the facts read now.
    await admin.reset(clusterId, 'ops');
    const accepted = await reboot(b, 'worker-2');
    expect(await jobsOf('worker-2')).toEqual([accepted.job_id]);
  });

  it('answers a cooldown set on another gateway’s watch, and an active job before it, as the policy in force says', async () => {
    const [a, b] = [gateway(), gateway()];
    const running = await reboot(a, 'worker-0');
    await reboot(b, 'worker-1');
    await admin.set(clusterId, { cooldown_seconds: 300 }, 'ops');
    // worker-0's job is still queued: answered by it, cooldown or not.
    await expect(reboot(b, 'worker-0')).rejects.toMatchObject({ jobId: running.job_id });
    await dataSource.query(`UPDATE jobs SET state = 'done', finished_at = now() WHERE id = $1`, [running.job_id]);
    const cooling = reboot(a, 'worker-0');
    await expect(cooling).rejects.toBeInstanceOf(RebootCooldownError);
    await expect(cooling).rejects.toMatchObject({ retryAfterSeconds: 300 });
    expect(await refusals('worker-0')).toEqual(['already running', 'cooldown']);
  });
});
