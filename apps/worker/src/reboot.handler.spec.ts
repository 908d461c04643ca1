import { Logger } from '@nestjs/common';
import type { JobEntity, JobLease } from '@oshift/jobs';
import { CloudUnavailableError, type ClusterNode } from '@oshift/node-registry';
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
}

/** The handler with fakes of the job row, the node registry and Nova, recording every call. */
function setUp(script: Script = {}) {
  const calls: string[] = [];
  const lines: string[] = [];
  const seen: string[] = [];
  const ended: { state: string; errors: string }[] = [];
  const servers = [...(script.servers ?? [server('REBOOT', 'rebooting'), server('ACTIVE')])];
  const leased = (lease: JobLease) => lease.jobId === 'job-1';
  const jobs: RebootJobRecords = {
    claim: async () => (script.job === undefined ? jobRow() : script.job),
    release: async () => void calls.push('release'),
    setServer: async (lease, serverId) => (calls.push(`setServer ${serverId}`), leased(lease)),
    markRebootAttempted: async (_lease, type) => (calls.push(`attempted ${type}`), new Date()),
    markRebootSent: async (_lease, type) => (calls.push(`sent ${type}`), new Date()),
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
  const nova: RebootNova = {
    getServer: async () => {
      const next = servers.length > 1 ? servers.shift()! : servers[0]!;
      if (next instanceof Error) throw next;
      return next;
    },
    reboot: async (_id: string, type: RebootType) => {
      calls.push(`reboot ${type}`);
      if (script.rebootError) throw script.rebootError;
    },
    listInstanceActions: async () => (calls.push('actions'), script.actions ?? []),
  };
  const targets: RebootTargets = {
    nova: async () => nova,
    findNode: async () => (script.node === undefined ? NODE : script.node),
    noteNodeStatus: async (_clusterId, node) => void seen.push(node.status),
  };
  const timings = { leaseMs: 30_000, pollIntervalMs: 1, softRebootTimeoutMs: script.softRebootTimeoutMs ?? 0 };
  const handler = new RebootHandler(jobs, targets, { worker: timings });
  const run = (stop = new AbortController().signal) =>
    handler.run({ jobId: 'job-1', clusterId: 'c1', requestId: 'req-1' }, stop);
  return { run, calls, lines, seen, ended };
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

describe('RebootHandler', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('sends one SOFT reboot, records each status it sees and ends Done once the server is back', async () => {
    const { run, calls, lines, seen, ended } = setUp();
    await run();
    expect(calls).toEqual(['setServer srv-0', 'attempted SOFT', 'reboot SOFT', 'sent SOFT']);
    expect(lines).toEqual(['worker-0 REBOOT', 'worker-0 ACTIVE']);
    expect(seen).toEqual(['REBOOT', 'ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('does nothing when the claim is lost (job ended, or in another handler’s hands)', async () => {
    const { run, calls, lines, ended } = setUp({ job: null });
    await run();
    expect([calls, lines, ended]).toEqual([[], [], []]);
  });

  it('stops without touching the job once its lease is lost mid-way', async () => {
    const { run, calls, lines, ended } = setUp({ loseLeaseAtLine: 1, servers: [server('REBOOT', 'rebooting')] });
    await run();
    expect(lines).toEqual(['worker-0 REBOOT']);
    expect(ended).toEqual([]);
    expect(calls).not.toContain('release');
  });

  it('fails the job when the node no longer exists', async () => {
    const { run, calls, ended } = setUp({ node: null });
    await run();
    expect(calls).toEqual([]);
    expect(ended).toEqual([{ state: 'failed', errors: 'Node worker-0 no longer exists in OpenStack' }]);
  });

  describe('resumed with its last reboot in doubt (attempted, never recorded as sent)', () => {
    const inDoubt = (type: RebootType = 'SOFT') =>
      jobRow({ serverId: NODE.serverId, rebootType: type, rebootAttemptedAt: new Date(Date.now() - 5000) });

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

    it('sends again when neither shows it (only an older reboot, or a soft one for a HARD attempt)', async () => {
      const soft = setUp({ job: inDoubt(), servers: [server('ACTIVE')], actions: [rebootAction(60_000)] });
      await soft.run();
      expect(soft.calls).toEqual(['actions', 'attempted SOFT', 'reboot SOFT', 'sent SOFT']);

      const hard = setUp({ job: inDoubt('HARD'), servers: [server('REBOOT', 'rebooting'), server('ACTIVE')] });
      await hard.run();
      expect(hard.calls).toEqual(['actions', 'attempted HARD', 'reboot HARD', 'sent HARD']);
    });
  });

  it('follows a reboot already running when Nova answers 409 conflictingRequest', async () => {
    const conflict = new OpenStackError('Cannot reboot while rebooting', 409, 'conflictingRequest', 'req-409');
    const { run, calls, ended } = setUp({ rebootError: conflict });
    await run();
    expect(calls).toEqual(['setServer srv-0', 'attempted SOFT', 'reboot SOFT', 'sent SOFT']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('fails the job with Nova’s reason and request id on any other refusal (another 409, a 404)', async () => {
    for (const refusal of [
      new OpenStackError('Instance is locked', 409, 'conflict', 'req-a'),
      new OpenStackError('Instance could not be found', 404, 'itemNotFound', 'req-b'),
    ]) {
      const { run, calls, ended } = setUp({ rebootError: refusal });
      await run();
      expect(calls).not.toContain('sent SOFT');
      expect(ended).toEqual([
        { state: 'failed', errors: `OpenStack error: ${refusal.message} (request ${refusal.requestId})` },
      ]);
    }
  });

  it('fails the job when the server goes where a reboot cannot end well', async () => {
    const { run, ended } = setUp({ servers: [server('ERROR', null, 'disk gone')] });
    await run();
    expect(ended).toEqual([{ state: 'failed', errors: 'worker-0 went ERROR during the reboot: disk gone' }]);
  });

  it('waits out OpenStack being away (5xx, no answer), then carries on', async () => {
    const away = new CloudUnavailableError('OpenStack did not answer');
    const { run, lines, ended } = setUp({ servers: [unavailable(), away, server('ACTIVE')] });
    await run();
    expect(lines).toEqual(['worker-0 ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('fails the job at its deadline when OpenStack stays away, or the node never comes back', async () => {
    const silent = setUp({ job: jobRow({ deadlineAt: new Date(Date.now() + 30) }), servers: [unavailable()] });
    await silent.run();
    expect(silent.ended).toEqual([
      { state: 'failed', errors: 'Deadline passed: OpenStack did not answer for worker-0' },
    ]);

    const stuck = setUp({
      job: jobRow({ deadlineAt: new Date(Date.now() + 30) }),
      servers: [server('REBOOT', 'rebooting')],
    });
    await stuck.run();
    expect(stuck.ended).toEqual([{ state: 'failed', errors: 'Deadline passed: worker-0 is still REBOOT' }]);
  });

  it('escalates a SOFT reboot that overran its limit to HARD, saying so in the output', async () => {
    const softSentLongAgo = jobRow({
      serverId: NODE.serverId,
      rebootAttemptedAt: new Date(Date.now() - MINUTE - 100),
      rebootSentAt: new Date(Date.now() - MINUTE),
    });
    const { run, calls, lines, ended } = setUp({
      job: softSentLongAgo,
      softRebootTimeoutMs: 1000,
      servers: [server('REBOOT', 'rebooting'), server('HARD_REBOOT', 'rebooting_hard'), server('ACTIVE')],
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

  it('hands the job back untouched, lease released, when the worker stops', async () => {
    const stopping = new AbortController();
    stopping.abort();
    const { run, calls, ended } = setUp({ servers: [server('REBOOT', 'rebooting')] });
    await expect(run(stopping.signal)).rejects.toBeInstanceOf(HandBack);
    expect(calls).toContain('release');
    expect(ended).toEqual([]);
  });
});
