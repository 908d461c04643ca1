import { Logger } from '@nestjs/common';
import type { JobEntity, JobLease } from '@oshift/jobs';
import { CloudUnavailableError, type ClusterNode, ClusterNotFoundError } from '@oshift/node-registry';
import { type NovaInstanceAction, type NovaServer, OpenStackError, type RebootType } from '@oshift/openstack-client';
import { HandBack, RebootHandler, type RebootJobRecords, type RebootNova, type RebootTargets } from './reboot.handler';

const NODE: ClusterNode = { nodename: 'worker-0', status: 'ACTIVE', serverId: 'srv-0', taskState: null };
const MINUTE = 60_000;

const server = (status: string, taskState: string | null = null, fault?: string): NovaServer => ({
  id: NODE.serverId,
  name: NODE.nodename,
  status,
  taskState,
  vmState: null,
  powerState: null,
  ...(fault ? { fault: { code: 500, message: fault } } : {}),
});
const unavailable = () => new OpenStackError('Service Unavailable', 503, 'computeFault', 'req-503');

/** A job row as Postgres holds it; `overrides` set what an earlier run (or the gateway) recorded. */
function jobRow(overrides: Partial<JobEntity> = {}): JobEntity {
  return {
    id: 'job-1',
    clusterId: 'c1',
    target: NODE.nodename,
    state: 'queued',
    errors: '',
    requestedBy: 'operator',
    requestId: 'req-1',
    serverId: null,
    rebootType: 'SOFT',
    rebootAttemptedAt: null,
    rebootSentAt: null,
    attempts: 1,
    leaseOwner: null,
    leaseUntil: null,
    kind: 'reboot',
    parentId: null,
    rollingRole: null,
    admittedAt: null,
    waitingReason: null,
    cancelledBy: null,
    mirroredLines: 0,
    deadlineAt: new Date(Date.now() + 10 * MINUTE),
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

interface Script {
  job?: JobEntity | null;
  /** Answers of successive getServer calls; the last one repeats. */
  servers?: (NovaServer | Error)[];
  actions?: NovaInstanceAction[];
  rebootError?: Error;
  node?: ClusterNode | null;
  /** appendLine answers false (the lease went to another handler) from this line on. */
  loseLeaseAtLine?: number;
  softRebootTimeoutMs?: number;
  /** Another handler's lease ends then (the claim fails). */
  heldUntil?: Date;
  /** The reboot POST answers this way after `rebootDelayMs`, successively (the last repeats). */
  rebootErrors?: (Error | null)[];
  confirmWindowMs?: number;
  /** How the registry answers for the cluster's Nova (default: the fake Nova). */
  nova?: () => Promise<RebootNova>;
}

/** The handler with fakes of the job row, the node registry and Nova, recording every call. */
function setUp(script: Script = {}) {
  const calls: string[] = [];
  const lines: string[] = [];
  const seen: string[] = [];
  const ended: { state: string; errors: string }[] = [];
  // The first answer is the one read just before a first POST.
  const servers = [...(script.servers ?? [server('ACTIVE'), server('REBOOT', 'rebooting'), server('ACTIVE')])];
  const leased = (lease: JobLease) => lease.jobId === 'job-1';
  const attempts: string[] = [];
  const jobs: RebootJobRecords = {
    claim: async () => (script.job === undefined ? jobRow() : script.job),
    heldUntil: async () => script.heldUntil ?? null,
    renew: async () => true,
    release: async () => void calls.push('release'),
    setServer: async (lease, serverId) => (calls.push(`setServer ${serverId}`), leased(lease)),
    markRebootAttempted: async (_lease, type) => (calls.push(`attempted ${type}`), new Date()),
    markRebootSent: async (_lease, type) => (calls.push(`sent ${type}`), new Date()),
    markRebootUnsent: async (_lease, type) => (calls.push(`unsent ${type}`), true),
    recordRebootAttempt: async (_lease, attempt) => void attempts.push(`${attempt.type} ${attempt.result}`),
    appendLine: async (_lease, line) => {
      if (script.loseLeaseAtLine !== undefined && lines.length >= script.loseLeaseAtLine) return null;
      lines.push(line);
      return { n: lines.length, time: new Date().toISOString(), text: line };
    },
    finish: async (_lease, state, errors = '') => {
      ended.push({ state, errors });
      return { n: lines.length + 1, time: new Date().toISOString(), text: state === 'done' ? 'Done' : 'Fail' };
    },
  };
  const rebootErrors = [...(script.rebootErrors ?? [script.rebootError ?? null])];
  const nova: RebootNova = {
    getServer: async () => {
      const next = servers.length > 1 ? servers.shift()! : servers[0]!;
      if (next instanceof Error) throw next;
      return next;
    },
    reboot: async (_id: string, type: RebootType) => {
      calls.push(`reboot ${type}`);
      const error = rebootErrors.length > 1 ? rebootErrors.shift() : rebootErrors[0];
      if (error) throw error;
      return { requestId: 'req-nova' };
    },
    listInstanceActions: async () => (calls.push('actions'), script.actions ?? []),
  };
  const targets: RebootTargets = {
    nova: script.nova ?? (async () => nova),
    findNode: async () => (script.node === undefined ? NODE : script.node),
    noteNodeStatus: async (_clusterId, node) => void seen.push(node.status),
  };
  const timings = {
    leaseMs: 30_000,
    pollIntervalMs: 1,
    softRebootTimeoutMs: script.softRebootTimeoutMs ?? 0,
    confirmWindowMs: script.confirmWindowMs ?? 30_000,
    sendMarginMs: 5,
  };
  const handler = new RebootHandler(jobs, targets, { worker: timings });
  const run = (stop = new AbortController().signal) =>
    handler.run({ jobId: 'job-1', clusterId: 'c1', requestId: 'req-1' }, stop);
  return { run, calls, lines, seen, ended, attempts };
}

/** An instance action Nova recorded `agoMs` ago (its times are UTC without a zone). */
const rebootAction = (agoMs: number): NovaInstanceAction => ({
  action: 'reboot',
  instanceUuid: NODE.serverId,
  requestId: 'req-nova',
  startTime: new Date(Date.now() - agoMs).toISOString().replace('Z', ''),
  userId: null,
  projectId: null,
  message: null,
});

const conflict = (message: string) => new OpenStackError(message, 409, 'conflictingRequest', 'req-409');
const noAnswer = () => new OpenStackError('nova.reboot timed out after 10000 ms', 0, 'timeout');
const soon = (ms: number) => jobRow({ deadlineAt: new Date(Date.now() + ms) });

describe('RebootHandler', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('sends one SOFT reboot, records the attempt and each status it sees, and ends Done once the server is back', async () => {
    const { run, calls, lines, seen, ended, attempts } = setUp();
    expect(await run()).toBeNull();
    expect(calls).toEqual(['setServer srv-0', 'attempted SOFT', 'reboot SOFT', 'sent SOFT']);
    expect(attempts).toEqual(['SOFT accepted']);
    expect(lines).toEqual(['worker-0 REBOOT', 'worker-0 ACTIVE']);
    expect(seen).toEqual(['REBOOT', 'ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('does nothing when the claim is lost, and says until when when another handler holds the job', async () => {
    const ended = setUp({ job: null });
    expect(await ended.run()).toBeNull();
    expect([ended.calls, ended.lines, ended.ended]).toEqual([[], [], []]);
    const until = new Date(Date.now() + 20_000);
    expect(await setUp({ job: null, heldUntil: until }).run()).toEqual({ heldUntil: until });
  });

  it('stops without touching the job once its lease is lost mid-way', async () => {
    const { run, calls, lines, ended } = setUp({ loseLeaseAtLine: 1, servers: [server('REBOOT', 'rebooting')] });
    await run();
    expect(lines).toEqual(['worker-0 REBOOT']);
    expect(ended).toEqual([]);
    expect(calls).not.toContain('release');
  });

  it('fails the job when the node no longer exists, saying nothing was sent', async () => {
    const { run, calls, ended } = setUp({ node: null });
    await run();
    expect(calls).toEqual([]);
    expect(ended).toEqual([
      { state: 'failed', errors: 'Node worker-0 no longer exists in OpenStack: no reboot was sent' },
    ]);
  });

  it('never sends once the deadline has passed (the job waited in the queue): Fail, nothing sent', async () => {
    const { run, calls, ended } = setUp({ job: jobRow({ deadlineAt: new Date(Date.now() - 1000) }) });
    await run();
    expect(calls).toEqual(['setServer srv-0']);
    expect(ended).toEqual([
      {
        state: 'failed',
        errors:
          'Deadline passed before the reboot could be sent: no reboot was sent to worker-0. Reboot again if it is still needed.',
      },
    ]);
  });

  describe('resumed with its last reboot in doubt (attempted, never recorded as sent)', () => {
    const inDoubt = (type: RebootType = 'SOFT', agoMs = 5000) =>
      jobRow({ serverId: NODE.serverId, rebootType: type, rebootAttemptedAt: new Date(Date.now() - agoMs) });

    it('does not send again when the task state shows the reboot running', async () => {
      const { run, calls, ended } = setUp({
        job: inDoubt(),
        servers: [server('REBOOT', 'rebooting'), server('ACTIVE')],
      });
      await run();
      expect(calls).toEqual(['sent SOFT']);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('does not send again when Nova recorded the reboot action since the attempt', async () => {
      const { run, calls, ended } = setUp({
        job: inDoubt(),
        servers: [server('ACTIVE')],
        actions: [rebootAction(1000)],
      });
      await run();
      expect(calls).toEqual(['actions', 'sent SOFT']);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('sends nothing while Nova may still apply the POST, and fails at the deadline saying it may have happened', async () => {
      const { run, calls, ended } = setUp({
        job: { ...inDoubt(), deadlineAt: new Date(Date.now() + 40) },
        servers: [server('ACTIVE')],
      });
      await run();
      expect(calls.filter((call) => call.startsWith('reboot'))).toEqual([]);
      expect(ended).toHaveLength(1);
      expect(ended[0].errors).toMatch(
        /^Deadline passed: a SOFT reboot of worker-0 was sent at .* but Nova never confirmed it, so it may or may not have happened\. Check the node's status before rebooting again\.$/,
      );
    });

    it('sends again once the window has passed with no sign of it (an older reboot does not count)', async () => {
      const soft = setUp({
        job: inDoubt('SOFT', 60_000),
        servers: [server('ACTIVE')],
        actions: [rebootAction(120_000)],
      });
      await soft.run();
      expect(soft.calls).toEqual(['actions', 'attempted SOFT', 'reboot SOFT', 'sent SOFT']);
    });
  });

  it('follows a reboot already running when Nova answers 409 in a reboot task state', async () => {
    const running = conflict("Cannot 'reboot' instance srv-0 while it is in task_state reboot_started");
    const { run, calls, ended, attempts } = setUp({ rebootError: running });
    await run();
    expect(calls).toEqual(['setServer srv-0', 'attempted SOFT', 'reboot SOFT', 'sent SOFT']);
    expect(attempts).toEqual(['SOFT rebootRunning']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it.each([
    [
      'locked',
      conflict('Instance srv-0 is locked'),
      /^worker-0 is locked in OpenStack, .*no reboot happened\. Unlock it/,
    ],
    [
      'busy',
      conflict("Cannot 'reboot' instance srv-0 while it is in task_state image_snapshot"),
      /^worker-0 is busy with the task image_snapshot, .*Wait for the task to end/,
    ],
    [
      'wrongState',
      conflict("Cannot 'reboot' instance srv-0 while it is in vm_state stopped"),
      /^worker-0 is stopped: a SOFT reboot cannot start from there/,
    ],
    [
      'refused',
      new OpenStackError('Instance could not be found', 404, 'itemNotFound', 'req-b'),
      /^Nova refused the SOFT reboot of worker-0 \(HTTP 404\), so no reboot happened/,
    ],
  ])(
    'fails the job when Nova refuses (%s), with Nova’s words and request id, never Done',
    async (kind, refusal, reason) => {
      const { run, calls, ended, attempts } = setUp({ rebootError: refusal });
      await run();
      expect(calls).not.toContain('sent SOFT');
      expect(attempts).toEqual([`SOFT ${kind}`]);
      expect(ended).toHaveLength(1);
      expect(ended[0].state).toBe('failed');
      expect(ended[0].errors).toMatch(reason);
      expect(ended[0].errors).toContain(`Nova said: "${refusal.message}" (Nova request ${refusal.requestId})`);
    },
  );

  it('sends again after Nova answered 5xx (it did not act), the doubt lifted', async () => {
    const { run, calls, ended, attempts } = setUp({ rebootErrors: [unavailable(), null] });
    await run();
    expect(calls).toEqual([
      'setServer srv-0',
      'attempted SOFT',
      'reboot SOFT',
      'unsent SOFT',
      'attempted SOFT',
      'reboot SOFT',
      'sent SOFT',
    ]);
    expect(attempts).toEqual(['SOFT unavailable', 'SOFT accepted']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('never sends twice when the POST got no answer but Nova applied it', async () => {
    const { run, calls, ended, attempts } = setUp({
      rebootError: noAnswer(),
      servers: [server('ACTIVE'), server('ACTIVE'), server('REBOOT', 'rebooting'), server('ACTIVE')],
    });
    await run();
    expect(calls).toEqual(['setServer srv-0', 'attempted SOFT', 'reboot SOFT', 'actions', 'sent SOFT']);
    expect(attempts).toEqual(['SOFT noAnswer']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('fails the job when the server goes where a reboot cannot end well', async () => {
    const { run, ended } = setUp({ servers: [server('ERROR', null, 'disk gone')] });
    await run();
    expect(ended).toEqual([
      { state: 'failed', errors: 'worker-0 went ERROR during the reboot (a SOFT reboot was sent): disk gone' },
    ]);
  });

  it('waits out OpenStack being away (5xx, no answer), then carries on', async () => {
    const away = new CloudUnavailableError('OpenStack did not answer');
    const { run, lines, ended } = setUp({
      servers: [unavailable(), away, server('ACTIVE')],
      job: jobRow({ serverId: NODE.serverId, rebootAttemptedAt: new Date(), rebootSentAt: new Date() }),
    });
    await run();
    expect(lines).toEqual(['worker-0 ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('ends Fail by the deadline when it cannot reach OpenStack or read the cluster secret, nothing sent', async () => {
    let asked = 0;
    const { run, calls, ended } = setUp({
      job: soon(40),
      nova: async () => {
        asked += 1;
        throw new CloudUnavailableError('cluster credentials: secret variable OPENSTACK_SECRET_X is not set');
      },
    });
    await run();
    expect(asked).toBeGreaterThan(1);
    expect(calls).toEqual([]);
    expect(ended).toEqual([
      {
        state: 'failed',
        errors:
          'Deadline passed before the reboot could be sent: no reboot was sent to worker-0. Last problem: cluster credentials: secret variable OPENSTACK_SECRET_X is not set. Reboot again if it is still needed.',
      },
    ]);
  });

  it('fails at the deadline when the node never comes back, saying a reboot was sent', async () => {
    const stuck = setUp({ job: soon(60), servers: [server('REBOOT', 'rebooting')] });
    await stuck.run();
    expect(stuck.ended).toEqual([
      {
        state: 'failed',
        errors: 'Deadline passed: worker-0 is still REBOOT (a SOFT reboot was sent and did not finish in time)',
      },
    ]);
  });

  it('fails the job when the cluster was removed or Nova forbids reading the server', async () => {
    const gone = setUp({
      nova: async () => {
        throw new ClusterNotFoundError('c1');
      },
    });
    await gone.run();
    expect(gone.ended).toEqual([
      { state: 'failed', errors: 'The cluster is no longer registered: no reboot was sent' },
    ]);
    const forbidden = setUp({
      job: jobRow({ serverId: NODE.serverId, rebootAttemptedAt: new Date(), rebootSentAt: new Date() }),
      servers: [new OpenStackError('Policy forbids', 403, 'forbidden', 'req-403')],
    });
    await forbidden.run();
    expect(forbidden.ended).toEqual([
      { state: 'failed', errors: 'OpenStack error: Policy forbids (Nova request req-403); a reboot was sent' },
    ]);
  });

  describe('escalation of a SOFT reboot that overran its limit', () => {
    const softSentLongAgo = (extra: Partial<JobEntity> = {}) =>
      jobRow({
        serverId: NODE.serverId,
        rebootAttemptedAt: new Date(Date.now() - MINUTE - 100),
        rebootSentAt: new Date(Date.now() - MINUTE),
        ...extra,
      });

    it('sends HARD once, saying so in the output', async () => {
      const { run, calls, lines, ended } = setUp({
        job: softSentLongAgo(),
        softRebootTimeoutMs: 1000,
        servers: [
          server('REBOOT', 'rebooting'),
          server('REBOOT', 'rebooting'),
          server('HARD_REBOOT', 'rebooting_hard'),
          server('ACTIVE'),
        ],
      });
      await run();
      expect(calls).toEqual(['attempted HARD', 'reboot HARD', 'sent HARD']);
      expect(lines).toEqual([
        'worker-0 REBOOT',
        'Soft reboot did not finish in 1 s: escalating to HARD reboot',
        'worker-0 HARD_REBOOT',
        'worker-0 ACTIVE',
      ]);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('does not send HARD again when its POST got no answer and the SOFT reboot then finished', async () => {
      const { run, calls, ended } = setUp({
        job: softSentLongAgo(),
        softRebootTimeoutMs: 1000,
        rebootError: noAnswer(),
        servers: [server('REBOOT', 'reboot_started'), server('REBOOT', 'reboot_started'), server('ACTIVE')],
      });
      await run();
      expect(calls.filter((call) => call.startsWith('reboot'))).toEqual(['reboot HARD']);
      expect(calls).toContain('unsent SOFT');
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('fails with Nova’s reason when it refuses the HARD reboot', async () => {
      const { run, ended } = setUp({
        job: softSentLongAgo(),
        softRebootTimeoutMs: 1000,
        rebootError: conflict('Instance srv-0 is locked'),
        servers: [server('REBOOT', 'rebooting')],
      });
      await run();
      expect(ended[0].errors).toMatch(/^A SOFT reboot was sent and did not finish in time; then worker-0 is locked/);
    });
  });

  it('hands the job back untouched, lease released, when the worker stops', async () => {
    const stopping = new AbortController();
    stopping.abort();
    const { run, calls, ended } = setUp({ servers: [server('REBOOT', 'rebooting')] });
    await expect(run(stopping.signal)).rejects.toBeInstanceOf(HandBack);
    expect(calls).toContain('release');
    expect(ended).toEqual([]);
  });
});
