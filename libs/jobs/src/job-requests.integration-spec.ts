import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@oshift/persistence';
import { testServices, uniqueName } from '@oshift/testing';
import { newJobId } from './job-id';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import { type IdempotencyClaim, JobRequests, type RebootIntake } from './job-requests';
import { ClusterRules } from './cluster-rules';
import {
  IdempotencyKeyReusedError,
  PolicyChangedError,
  RebootAlreadyRunningError,
  RebootCooldownError,
} from './job.errors';
import { JobLeases } from './job-leases';
import { JobViews } from './job-views.repository';

describe('JobRequests against Postgres', () => {
  let dataSource: DataSource;
  let intake: JobRequests;
  let clusterId: string;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 4 }));
    await dataSource.initialize();
    intake = new JobRequests(dataSource);
    clusterId = `${uniqueName('intake')}.example.test`;
    await dataSource.query(
      `INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`,
      [clusterId],
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const request = (target: string, idempotency?: IdempotencyClaim): RebootIntake => ({
    id: newJobId(),
    clusterId,
    target,
    type: 'HARD',
    requestedBy: 'alice',
    requestId: 'req-1',
    deadlineMs: 60000,
    audit: {
      actor: 'alice',
      source: '127.0.0.1',
      action: AuditAction.nodeReboot,
      outcome: AuditOutcome.accepted,
      detail: { method: 'basic', requestId: 'req-1' },
    },
    idempotency,
  });

  it('records the job and its accepted audit record together, and refuses a second active job for the node', async () => {
    const first = request(uniqueName('node'));
    expect(await intake.accept(first)).toEqual({ created: true });
    const [job] = await dataSource.query(`SELECT state, reboot_type, requested_by FROM jobs WHERE id = $1`, [first.id]);
    expect(job).toEqual({ state: 'queued', reboot_type: 'HARD', requested_by: 'alice' });
    const audit = await dataSource.query(
      `SELECT actor, source, action, target, outcome, detail FROM audit_events WHERE detail->>'jobId' = $1`,
      [first.id],
    );
    expect(audit).toEqual([
      {
        actor: 'alice',
        source: '127.0.0.1',
        action: 'node.reboot',
        target: first.target,
        outcome: 'accepted',
        detail: { method: 'basic', requestId: 'req-1', jobId: first.id, type: 'HARD' },
      },
    ]);
    const second = request(first.target);
    await expect(intake.accept(second)).rejects.toEqual(new RebootAlreadyRunningError(first.id, clusterId));
    expect(await dataSource.query(`SELECT 1 FROM jobs WHERE id = $1`, [second.id])).toEqual([]);
  });

  it('replays a key for its request, refuses it for another, and lets it start anew once expired', async () => {
    const claim = { username: 'alice', key: uniqueName('key'), requestHash: 'hash-a' };
    expect(await intake.replay(claim)).toBeNull();
    const first = request(uniqueName('node'), claim);
    expect(await intake.accept(first)).toEqual({ created: true });
    expect(await intake.replay(claim)).toBe(first.id);
    await expect(intake.replay({ ...claim, requestHash: 'hash-b' })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    // Lost the race to an earlier request with the same key: nothing recorded, its job named.
    const late = request(uniqueName('node'), claim);
    expect(await intake.accept(late)).toEqual({ created: false, jobId: first.id });
    expect(await dataSource.query(`SELECT 1 FROM jobs WHERE id = $1`, [late.id])).toEqual([]);
    // Another user's key of the same name is theirs.
    expect(await intake.replay({ ...claim, username: 'bob' })).toBeNull();

    await dataSource.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE username = $1 AND key = $2`,
      ['alice', claim.key],
    );
    expect(await intake.replay(claim)).toBeNull();
    const anew = request(uniqueName('node'), { ...claim, requestHash: 'hash-c' });
    expect(await intake.accept(anew)).toEqual({ created: true });
    expect(await intake.replay({ ...claim, requestHash: 'hash-c' })).toBe(anew.id);

    const other = { username: 'carol', key: uniqueName('key'), requestHash: 'h' };
    await intake.accept(request(uniqueName('node'), other));
    await dataSource.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE username = 'carol'`,
    );
    expect(await intake.forgetExpiredKeys()).toBeGreaterThanOrEqual(1);
    expect(await dataSource.query(`SELECT 1 FROM idempotency_keys WHERE username = 'carol'`)).toEqual([]);
  });

  it('records a scheduled job: scheduled until its not_before, its deadline counted from then, not claimable before', async () => {
    const job = { ...request(uniqueName('node')), notBefore: new Date(Date.now() + 3_600_000) };
    job.windowOverride = { by: 'alice', reason: 'INC-1: hung node' };
    expect(await intake.accept(job)).toEqual({ created: true });
    const [row] = await dataSource.query(
      `SELECT extract(epoch FROM deadline_at - not_before) * 1000 AS length_ms FROM jobs WHERE id = $1`,
      [job.id],
    );
    expect(Number(row.length_ms)).toBe(60000);
    const views = new JobViews(dataSource);
    expect(await views.detail(clusterId, job.id)).toMatchObject({
      state: 'scheduled',
      not_before: job.notBefore.toISOString(),
      window_override: { by: 'alice', reason: 'INC-1: hung node' },
    });
    const listed = await views.list(clusterId, { state: 'scheduled', limit: 100 });
    expect(listed.jobs.map((listedJob) => listedJob.job_id)).toContain(job.id);
    const leases = new JobLeases(dataSource);
    expect(await leases.claim({ jobId: job.id, owner: 'w1', ttlMs: 30000 })).toBeNull();
    const until = (await leases.heldUntil(job.id))!.getTime();
    expect(Math.abs(until - job.notBefore.getTime())).toBeLessThan(1000);
    expect(await intake.wasScheduled(job.id)).toBe(true);
    const now = request(uniqueName('node'));
    await intake.accept(now);
    expect(await intake.wasScheduled(now.id)).toBe(false);
  });

  describe('with a guard (the facts the request was decided on, checked by the statement that records it)', () => {
    const COOLDOWN = { cooldown_seconds: 300 };
    const setPolicy = (policy: unknown) =>
      dataSource.query(`UPDATE clusters SET reboot_policy = $2::jsonb WHERE id = $1`, [
        clusterId,
        policy === null ? null : JSON.stringify(policy),
      ]);
    const guarded = async (target: string, at = new Date(), idempotency?: IdempotencyClaim) => {
      const { stored, policy } = await new ClusterRules(dataSource).storedPolicy(clusterId);
      return {
        ...request(target, idempotency),
        guard: { policy: stored, cooldownSeconds: policy.cooldownSeconds, at },
      };
    };
    /** A target whose last reboot ended `Done` at `finishedAt` (SQL), under a cooldown of 300 s. */
    const doneAt = async (finishedAt: string) => {
      await setPolicy(COOLDOWN);
      const done = request(uniqueName('node'));
      await intake.accept(done);
      await dataSource.query(`UPDATE jobs SET state = 'done', finished_at = ${finishedAt} WHERE id = $1`, [done.id]);
      return done;
    };
    const recorded = async (id: string) =>
      (await dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE id = $1`, [id]))[0].n as number;
    afterEach(() => setPolicy(null));

    it('records the job when the policy is the one in force and the node has no active job and no cooldown', async () => {
      await setPolicy(COOLDOWN);
      const job = await guarded(uniqueName('node'));
      expect(await intake.accept(job)).toEqual({ created: true });
      expect(await recorded(job.id)).toBe(1);
    });

    it('records nothing when the policy changed since, not even the key', async () => {
      const claim = { username: 'alice', key: uniqueName('key'), requestHash: 'hash-a' };
      const job = await guarded(uniqueName('node'), new Date(), claim);
      await setPolicy(COOLDOWN);
      await expect(intake.accept(job)).rejects.toEqual(new PolicyChangedError(clusterId));
      expect(await recorded(job.id)).toBe(0);
      expect(await intake.replay(claim)).toBeNull();
    });

    it('answers a request that lost the race to its own key by the job the key started, not as already running', async () => {
      const claim = { username: 'alice', key: uniqueName('key'), requestHash: 'hash-a' };
      const target = uniqueName('node');
      // Both decided before either was recorded; the first one's job is active when the second is recorded.
      const [first, second] = [await guarded(target, new Date(), claim), await guarded(target, new Date(), claim)];
      expect(await intake.accept(first)).toEqual({ created: true });
      expect(await intake.accept(second)).toEqual({ created: false, jobId: first.id });
      expect(await recorded(second.id)).toBe(0);
    });

    it('answers an active job by its id before the cooldown, and the cooldown with the seconds left', async () => {
      const { target } = await doneAt(`now() - interval '10 seconds'`);
      const cooling = await guarded(target);
      const refusal = await intake.accept(cooling).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(RebootCooldownError);
      expect((refusal as RebootCooldownError).retryAfterSeconds).toBeGreaterThanOrEqual(289);
      expect((refusal as RebootCooldownError).retryAfterSeconds).toBeLessThanOrEqual(291);
      expect(await recorded(cooling.id)).toBe(0);
      // Scheduled past the cooldown: recorded. Then a third request finds that job active, cooldown or not.
      const later = await guarded(target, new Date(Date.now() + 300_000));
      expect(await intake.accept(later)).toEqual({ created: true });
      await expect(intake.accept(await guarded(target))).rejects.toEqual(
        new RebootAlreadyRunningError(later.id, clusterId),
      );
    });

    it('agrees with the cooldown to the millisecond: a Done exactly a cooldown before its start is over', async () => {
      // Postgres keeps microseconds, the gateway's clock milliseconds: the Done lies 0.4 ms into its millisecond.
      const done = await doneAt(`date_trunc('milliseconds', now()) + interval '0.4 milliseconds'`);
      const { target } = done;
      const [{ finished }] = await dataSource.query(`SELECT finished_at AS finished FROM jobs WHERE id = $1`, [
        done.id,
      ]);
      const edge = new Date(new Date(finished).getTime() + 300_000);
      const inside = await guarded(target, new Date(edge.getTime() - 1));
      await expect(intake.accept(inside)).rejects.toMatchObject({ retryAfterSeconds: 1 });
      expect(await intake.accept(await guarded(target, edge))).toEqual({ created: true });
    });
  });
});
