import { Logger } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import {
  DEFAULT_REBOOT_POLICY,
  IdempotencyKeyReusedError,
  NoNodeOfRoleError,
  QueueUnavailableError,
  RebootAlreadyRunningError,
  RebootCooldownError,
  RebootRefusedError,
  type RebootIntake,
  type RebootJobPayload,
  parseRebootPolicy,
  type RebootPolicy,
} from '@oshift/jobs';
import { CloudUnavailableError, type ClusterNode, NodeNotFoundError } from '@oshift/node-registry';
import type { AuditedDecision, AuditedRequest } from '../audit/request-audit';
import { InvalidRequestError } from '../http/request.errors';
import { JobIntake, type RebootStarted, windowRefusal } from './job-intake';
import { type RebootForecast, RebootService } from './reboot.service';
import { RollingRebootService } from './rolling-reboot.service';

const CLUSTER = 'c1.example.test';
const NODE: ClusterNode = { nodename: 'worker-0', status: 'ACTIVE', serverId: 'srv-0', taskState: null };
const principal: Principal = { userId: 'u1', username: 'operator', method: 'basic', grants: new Map() };
const request: AuditedRequest = { id: 'req-1', ip: '192.0.2.7' };

/** The service's collaborators as fakes that remember what they were asked. */
function setUp(
  overrides: {
    listNodes?: () => Promise<ClusterNode[]>;
    /** What the rules say: a forecast for dry runs, an error the screen of a real request throws. */
    forecast?: RebootForecast;
    screen?: Error;
    running?: string;
    enqueue?: Error;
    keys?: Map<string, { hash: string; jobId: string }>;
    /** What discarding answers: true (deleted), false (a worker took it), or an error (Postgres away). */
    discard?: boolean | Error;
    policy?: RebootPolicy;
  } = {},
) {
  const audit: { decision: AuditedDecision; inTransaction: boolean }[] = [];
  const created: RebootIntake[] = [];
  const discarded: string[] = [];
  const enqueued: RebootJobPayload[] = [];
  const keys = overrides.keys ?? new Map<string, { hash: string; jobId: string }>();
  const deadlines: Date[] = [];
  const screened: string[] = [];
  const intake = new JobIntake(
    {
      replay: async (claim) => {
        const known = keys.get(`${claim.username}/${claim.key}`);
        if (known && known.hash !== claim.requestHash) throw new IdempotencyKeyReusedError();
        return known?.jobId ?? null;
      },
      accept: async (job) => {
        if (overrides.running) throw new RebootAlreadyRunningError(overrides.running, job.clusterId);
        created.push(job);
        // The accepted record is written by the job's own statement, so only when the job is.
        const { action, clusterId, target, outcome, detail } = job.audit as unknown as AuditedDecision;
        audit.push({ decision: { action, clusterId, target, outcome, detail }, inTransaction: true });
        if (job.idempotency) {
          const { username, key, requestHash } = job.idempotency;
          keys.set(`${username}/${key}`, { hash: requestHash, jobId: job.id });
        }
        return { created: true };
      },
      wasScheduled: async (jobId) => Boolean(created.find((job) => job.id === jobId)?.notBefore),
      discardQueued: async (jobId) => {
        if (overrides.discard instanceof Error) throw overrides.discard;
        discarded.push(jobId);
        return overrides.discard ?? true;
      },
    },
    {
      enqueue: async (payload, deadlineAt) => {
        if (overrides.enqueue) throw overrides.enqueue;
        enqueued.push(payload);
        deadlines.push(deadlineAt);
      },
    },
    {
      request: async (_request, _principal, decision) => void audit.push({ decision, inTransaction: false }),
      recordOf: (_request, principal, decision) => ({ ...decision, actor: principal.username }),
    },
    { statusUrl: (clusterId, jobId) => `https://api.example.test/api/openshift/${clusterId}/job/${jobId}` },
    { jobs: { deadlineMs: 600_000 } },
    { policy: async () => overrides.policy ?? DEFAULT_REBOOT_POLICY },
  );
  const service = new RebootService(
    { listNodes: overrides.listNodes ?? (async () => [NODE]) },
    {
      forecast: async () =>
        overrides.forecast ?? { would: 'start', reason: '0 of at most 1 worker reboot in flight', role: 'worker' },
      // The real admit screens the windows on the policy it holds, and leaves the rest to the guarded insert.
      admit: async (_c, target, _nodes, schedule) => {
        screened.push(target);
        if (overrides.screen) throw overrides.screen;
        const policy = overrides.policy ?? DEFAULT_REBOOT_POLICY;
        const refusal = windowRefusal(policy, schedule);
        if (refusal) throw refusal;
        return { policy: null, cooldownSeconds: policy.cooldownSeconds, at: new Date() };
      },
    },
    intake,
  );
  /** A rolling reboot on the same intake: its plan is the cluster's workers, or the refusal given. */
  const rolling = (plan: string[] | Error = ['worker-0', 'worker-1']) =>
    new RollingRebootService(
      { listNodes: overrides.listNodes ?? (async () => [NODE]) },
      {
        plan: async () => {
          if (plan instanceof Error) throw plan;
          return plan;
        },
        forecast: async () => ({ would: 'start', reason: 'ok', nodes: plan as string[], roles: {} }),
      },
      intake,
      { jobs: { deadlineMs: 600_000 } },
    );
  return { service, rolling, audit, created, discarded, enqueued, deadlines, screened };
}

const decisions = (audit: { decision: AuditedDecision }[]) =>
  audit.map(({ decision }) => [decision.action, decision.target, decision.outcome, decision.detail.reason]);

describe('RebootService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('records the job with its accepted audit record in one statement, enqueues it and answers started', async () => {
    const { service, audit, created, enqueued, deadlines } = setUp();
    const started = (await service.request(CLUSTER, { target: 'worker-0' }, principal, request)) as RebootStarted;

    expect(started).toEqual({
      state: 'started',
      job_id: created[0]?.id,
      status_url: `https://api.example.test/api/openshift/${CLUSTER}/job/${created[0]?.id}`,
    });
    expect(created[0]).toMatchObject({ clusterId: CLUSTER, target: 'worker-0', type: 'SOFT', requestedBy: 'operator' });
    expect(created[0]?.audit).toMatchObject({ actor: 'operator', outcome: AuditOutcome.accepted });
    expect(created[0]?.deadlineMs).toBe(600_000);
    expect(enqueued).toEqual([{ jobId: started.job_id, clusterId: CLUSTER, requestId: 'req-1' }]);
    expect(deadlines[0].getTime() - Date.now()).toBeGreaterThan(590_000);
    expect(audit).toEqual([
      {
        decision: {
          action: AuditAction.nodeReboot,
          clusterId: CLUSTER,
          target: 'worker-0',
          outcome: AuditOutcome.accepted,
          detail: {},
        },
        inTransaction: true,
      },
    ]);
  });

  it('refuses invalid input with its reason, audits it with the raw target and records no job', async () => {
    const { service, audit, created } = setUp();
    const attempt = service.request(CLUSTER, { target: '../etc/passwd' }, principal, request);
    await expect(attempt).rejects.toEqual(new InvalidRequestError('target must be a node name'));
    await expect(service.request(CLUSTER, {}, principal, request)).rejects.toThrow('target is required');
    expect(decisions(audit)).toEqual([
      [AuditAction.nodeReboot, '../etc/passwd', AuditOutcome.refused, 'invalid input'],
      [AuditAction.nodeReboot, null, AuditOutcome.refused, 'invalid input'],
    ]);
    expect(audit[0]?.decision.detail.error).toBe('target must be a node name');
    expect(created).toEqual([]);
  });

  it('schedules a reboot: answers scheduled, records not_before, and its deadline counts from then', async () => {
    const { service, audit, created, deadlines } = setUp();
    const notBefore = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const body = { target: 'worker-0', not_before: notBefore.toISOString() };
    const started = (await service.request(CLUSTER, body, principal, request)) as RebootStarted;
    expect(started.state).toBe('scheduled');
    expect(created[0]).toMatchObject({ notBefore, windowOverride: null, deadlineMs: 600_000 });
    expect(deadlines[0]?.getTime()).toBe(notBefore.getTime() + 600_000);
    expect(audit[0]?.decision.detail).toEqual({ notBefore: notBefore.toISOString() });
    // Its Idempotency-Key replays the same answer; the same key with another time is another request (422).
    const keyed = { target: 'worker-0', not_before: notBefore.toISOString() };
    const first = await service.request(CLUSTER, keyed, principal, request, 'k-9');
    expect(await service.request(CLUSTER, keyed, principal, request, 'k-9')).toEqual(first);
    expect(first).toMatchObject({ state: 'scheduled' });
    const later = { ...keyed, not_before: new Date(notBefore.getTime() + 60_000).toISOString() };
    await expect(service.request(CLUSTER, later, principal, request, 'k-9')).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it.each([
    [{ not_before: 'tomorrow' }, 'not_before must be an RFC 3339 time, like 2026-12-08T01:00:00Z'],
    [{ not_before: '2026-02-30T01:00:00Z' }, 'not_before must be an RFC 3339 time, like 2026-12-08T01:00:00Z'],
    [{ not_before: new Date(Date.now() - 120_000).toISOString() }, 'not_before is in the past'],
    [{ not_before: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'not_before is more than 30 days ahead'],
    [{ override_window: 'true' }, 'reason is required with override_window=true'],
    [{ reason: 'because' }, 'reason is only taken with override_window=true'],
    [{ override_window: 'yes', reason: 'x' }, 'override_window must be true or false'],
  ])('refuses %j with 400 and its reason', async (fields, error) => {
    const { service, created } = setUp();
    const attempt = service.request(CLUSTER, { target: 'worker-0', ...fields }, principal, request);
    await expect(attempt).rejects.toEqual(new InvalidRequestError(error));
    expect(created).toEqual([]);
  });

  it('refuses a reboot whose deadline comes before the next maintenance window, with the reason', async () => {
    // A window that opens in about six hours: a ten-minute reboot asked now cannot reach it.
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const opens = Date.now() + 6 * 3_600_000;
    const policy = parseRebootPolicy({ windows: [`daily ${hhmm(opens)}-${hhmm(opens + 3_600_000)} UTC`] });
    const { service, audit, created } = setUp({ policy });
    const attempt = service.request(CLUSTER, { target: 'worker-0' }, principal, request);
    await expect(attempt).rejects.toBeInstanceOf(RebootRefusedError);
    await expect(attempt).rejects.toMatchObject({
      reason: expect.stringMatching(/^outside the maintenance window; the next opens .*, after the job's deadline/),
    });
    expect(decisions(audit)).toEqual([[AuditAction.nodeReboot, 'worker-0', AuditOutcome.refused, 'cluster rules']]);
    expect(created).toEqual([]);
    // Overridden with a reason: accepted, marked with who and why, audited with the reason.
    const body = { target: 'worker-0', override_window: true, reason: 'INC-7: node hung' };
    await service.request(CLUSTER, body, principal, request);
    expect(created[0]?.windowOverride).toEqual({ by: 'operator', reason: 'INC-7: node hung' });
    expect(audit.at(-1)?.decision.detail).toEqual({ windowOverride: { reason: 'INC-7: node hung' } });
  });

  it('refuses override_window on a cluster whose operator switched it off', async () => {
    const { service, created } = setUp({ policy: parseRebootPolicy({ allow_window_override: false }) });
    const body = { target: 'worker-0', override_window: 'true', reason: 'INC-7' };
    await expect(service.request(CLUSTER, body, principal, request)).rejects.toMatchObject({
      reason:
        "this cluster's operator does not allow override_window: reboots start only inside its maintenance windows",
    });
    expect(created).toEqual([]);
  });

  it('answers an unknown node with NodeNotFoundError after auditing the refusal', async () => {
    const { service, audit, created } = setUp();
    await expect(service.request(CLUSTER, { target: 'worker-9' }, principal, request)).rejects.toBeInstanceOf(
      NodeNotFoundError,
    );
    expect(decisions(audit)).toEqual([[AuditAction.nodeReboot, 'worker-9', AuditOutcome.refused, 'unknown node']]);
    expect(created).toEqual([]);
  });

  it('passes a failed node lookup on unchanged, audited as failed', async () => {
    const down = new CloudUnavailableError('OpenStack did not answer within 5000 ms');
    const { service, audit } = setUp({ listNodes: () => Promise.reject(down) });
    await expect(service.request(CLUSTER, { target: 'worker-0' }, principal, request)).rejects.toBe(down);
    expect(decisions(audit)).toEqual([[AuditAction.nodeReboot, 'worker-0', AuditOutcome.failed, 'node lookup failed']]);
  });

  it('passes a running reboot on as RebootAlreadyRunningError, audited with the running job', async () => {
    const { service, audit, enqueued } = setUp({ running: 'running-job' });
    await expect(service.request(CLUSTER, { target: 'worker-0' }, principal, request)).rejects.toEqual(
      new RebootAlreadyRunningError('running-job', CLUSTER),
    );
    expect(decisions(audit)).toEqual([[AuditAction.nodeReboot, 'worker-0', AuditOutcome.refused, 'already running']]);
    expect(audit[0]?.decision.detail.runningJobId).toBe('running-job');
    expect(enqueued).toEqual([]);
  });

  it('discards the job when the queue does not take it, audits the failure and throws QueueUnavailableError', async () => {
    const { service, audit, created, discarded } = setUp({ enqueue: new Error('no answer within 3000 ms') });
    const attempt = service.request(CLUSTER, { target: 'worker-0' }, principal, request);
    await expect(attempt).rejects.toBeInstanceOf(QueueUnavailableError);
    const jobId = created[0]?.id;
    expect(discarded).toEqual([jobId]);
    expect(decisions(audit)).toEqual([
      [AuditAction.nodeReboot, 'worker-0', AuditOutcome.accepted, undefined],
      [AuditAction.nodeReboot, 'worker-0', AuditOutcome.failed, 'job queue unavailable'],
    ]);
    expect(audit[1]?.decision.detail.jobId).toBe(jobId);
  });

  it('replays the first answer for a repeated Idempotency-Key, and refuses the key with another request', async () => {
    const { service, audit, created, enqueued } = setUp();
    const first = await service.request(CLUSTER, { target: 'worker-0', type: 'HARD' }, principal, request, 'k-1');
    expect(created[0]).toMatchObject({ type: 'HARD', idempotency: { username: 'operator', key: 'k-1' } });
    const again = await service.request(CLUSTER, { target: 'worker-0', type: 'HARD' }, principal, request, 'k-1');
    expect(again).toEqual(first);
    expect([created.length, enqueued.length]).toEqual([1, 1]);
    await expect(service.request(CLUSTER, { target: 'worker-0' }, principal, request, 'k-1')).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(decisions(audit).at(-1)).toEqual([
      AuditAction.nodeReboot,
      'worker-0',
      AuditOutcome.refused,
      'idempotency key reused',
    ]);
  });

  it('refuses a malformed Idempotency-Key, an unknown field and a type other than SOFT or HARD', async () => {
    const { service, created } = setUp();
    for (const [body, key, error] of [
      [{ target: 'worker-0' }, 'é', 'Idempotency-Key must be 1 to 255 printable characters'],
      [{ target: 'worker-0', dry_run: 'maybe' }, undefined, 'dry_run must be true or false'],
      [{ target: 'worker-0', dryrun: 'true' }, undefined, 'unknown field dryrun'],
      [{ target: 'worker-0', type: 'hard' }, undefined, 'type must be SOFT or HARD'],
    ] as const) {
      await expect(service.request(CLUSTER, body, principal, request, key)).rejects.toEqual(
        new InvalidRequestError(error),
      );
    }
    expect(created).toEqual([]);
  });

  it('answers 202 when the queue did not confirm but the job cannot be discarded: the job row stands', async () => {
    for (const discard of [false, new Error('Postgres away')]) {
      const { service, audit } = setUp({ enqueue: new Error('no answer within 3000 ms'), discard });
      const started = await service.request(CLUSTER, { target: 'worker-0' }, principal, request);
      expect(started).toMatchObject({ state: 'started' });
      expect(decisions(audit)).toEqual([[AuditAction.nodeReboot, 'worker-0', AuditOutcome.accepted, undefined]]);
    }
  });

  it('answers a dry run with the rules’ forecast, audits it as a dry run and starts nothing', async () => {
    const forecast: RebootForecast = { would: 'wait', reason: 'worker-1 is rebooting', role: 'worker' };
    for (const dryRun of [true, 'true'] as const) {
      const { service, audit, created, enqueued, screened } = setUp({ forecast });
      const body = { target: 'worker-0', type: 'HARD', dry_run: dryRun };
      expect(await service.request(CLUSTER, body, principal, request)).toEqual(forecast);
      expect([created, enqueued, screened]).toEqual([[], [], []]);
      expect(audit.map(({ decision }) => decision)).toEqual([
        {
          action: AuditAction.nodeReboot,
          clusterId: CLUSTER,
          target: 'worker-0',
          outcome: AuditOutcome.dryRun,
          detail: { type: 'HARD', would: 'wait', reason: 'worker-1 is rebooting', role: 'worker' },
        },
      ]);
    }
  });

  it('answers a dry run of an unknown node with NodeNotFoundError, like the real request', async () => {
    const { service, audit } = setUp();
    await expect(
      service.request(CLUSTER, { target: 'worker-9', dry_run: 'true' }, principal, request),
    ).rejects.toBeInstanceOf(NodeNotFoundError);
    expect(decisions(audit)).toEqual([[AuditAction.nodeReboot, 'worker-9', AuditOutcome.refused, 'unknown node']]);
  });

  it('keeps a dry run’s Idempotency-Key apart from the real request’s: neither replays the other', async () => {
    const { service, created } = setUp();
    const forecast = await service.request(CLUSTER, { target: 'worker-0', dry_run: true }, principal, request, 'k-2');
    expect(forecast).toMatchObject({ would: 'start' });
    expect(created).toEqual([]);
    const started = await service.request(CLUSTER, { target: 'worker-0' }, principal, request, 'k-2');
    expect(started).toMatchObject({ state: 'started', job_id: created[0]?.id });
    await expect(
      service.request(CLUSTER, { target: 'worker-0', dry_run: 'true' }, principal, request, 'k-2'),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('refuses a reboot inside the cooldown or one the rules never allow, audited with why, recording no job', async () => {
    for (const [error, detail] of [
      [new RebootCooldownError('worker-0', 42), { reason: 'cooldown', retryAfterSeconds: 42 }],
      [
        new RebootRefusedError('worker-0 is the cluster’s only HAProxy node'),
        { reason: 'cluster rules', rule: 'worker-0 is the cluster’s only HAProxy node' },
      ],
    ] as const) {
      const { service, audit, created, enqueued } = setUp({ screen: error });
      await expect(service.request(CLUSTER, { target: 'worker-0' }, principal, request)).rejects.toBe(error);
      expect(audit.map(({ decision }) => [decision.outcome, decision.detail])).toEqual([
        [AuditOutcome.refused, detail],
      ]);
      expect([created, enqueued]).toEqual([[], []]);
    }
  });
});

describe('RollingRebootService, on the one intake path a reboot takes', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('records a rolling job with one reboot’s deadline per node of its plan, its accepted record naming the role', async () => {
    const { rolling, audit, created, deadlines } = setUp();
    const before = Date.now();
    const started = (await rolling().request(CLUSTER, { role: 'worker' }, principal, request)) as RebootStarted;
    expect(started.job_id).toBe(created[0]?.id);
    expect(created[0]).toMatchObject({
      target: 'rolling:worker',
      kind: 'rolling',
      rollingRole: 'worker',
      type: 'SOFT',
    });
    expect(deadlines[0]!.getTime() - before).toBeGreaterThanOrEqual(2 * 600_000);
    expect(deadlines[0]!.getTime() - before).toBeLessThan(2 * 600_000 + 5000);
    expect(audit.map(({ decision }) => decision)).toEqual([
      expect.objectContaining({
        action: AuditAction.rollingReboot,
        target: 'rolling:worker',
        outcome: AuditOutcome.accepted,
        detail: { role: 'worker' },
      }),
    ]);
  });

  it('audits a failed node lookup, a refusal and a dry run as a reboot’s are, under its own action', async () => {
    const down = new CloudUnavailableError('OpenStack did not answer within 5000 ms');
    const lookup = setUp({ listNodes: () => Promise.reject(down) });
    await expect(lookup.rolling().request(CLUSTER, {}, principal, request)).rejects.toBe(down);
    expect(decisions(lookup.audit)).toEqual([
      [AuditAction.rollingReboot, 'rolling:all', AuditOutcome.failed, 'node lookup failed'],
    ]);

    const none = setUp();
    await expect(
      none.rolling(new NoNodeOfRoleError('infra')).request(CLUSTER, { role: 'infra' }, principal, request),
    ).rejects.toBeInstanceOf(NoNodeOfRoleError);
    expect(none.audit.map(({ decision }) => decision.detail)).toEqual([
      { reason: 'no node of the role', role: 'infra' },
    ]);
    expect(none.created).toEqual([]);

    const dry = setUp();
    expect(await dry.rolling().request(CLUSTER, { role: 'worker', dry_run: 'true' }, principal, request)).toEqual({
      would: 'start',
      reason: 'ok',
      nodes: ['worker-0', 'worker-1'],
      roles: {},
    });
    expect(dry.audit.map(({ decision }) => [decision.outcome, decision.detail])).toEqual([
      [
        AuditOutcome.dryRun,
        { type: 'SOFT', role: 'worker', would: 'start', reason: 'ok', nodes: ['worker-0', 'worker-1'], roles: {} },
      ],
    ]);
  });

  it('replays an Idempotency-Key as a reboot does, and a key used for a reboot is another request here (422)', async () => {
    const { service, rolling, created } = setUp();
    const first = (await rolling().request(CLUSTER, { role: 'worker' }, principal, request, 'key-1')) as RebootStarted;
    const again = (await rolling().request(CLUSTER, { role: 'worker' }, principal, request, 'key-1')) as RebootStarted;
    expect(again.job_id).toBe(first.job_id);
    expect(created).toHaveLength(1);
    await expect(service.request(CLUSTER, { target: 'worker-0' }, principal, request, 'key-1')).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });
});
