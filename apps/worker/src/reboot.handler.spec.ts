import { Logger } from '@nestjs/common';
import { type JobEntity, parseRebootPolicy, windowTime } from '@oshift/jobs';
import { CloudUnavailableError, ClusterNotFoundError } from '@oshift/node-registry';
import { type NovaInstanceAction, OpenStackError, type RebootType } from '@oshift/openstack-client';
import { CLUSTER, jobRow, MINUTE, node, NODE, sentRow, server, setUp } from './reboot-world.fixture';

/** A policy with one daily window of an hour, opening at `opensAt` (UTC, to the minute). */
const windowOpeningAt = (opensAt: number) => {
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  return parseRebootPolicy({ windows: [`daily ${hhmm(opensAt)}-${hhmm(opensAt + 3_600_000)} UTC`] });
};

/**
 * A reboot job from its queue message to its end, through the new pair: the handler (claim, admission, the first
 * POST, one short step per delivery) and the cluster's watcher (one listing and one write per poll), over one
 * job row shared by the fakes of Postgres (see reboot-world.fixture.ts).
 */

const unavailable = () =>
  new OpenStackError('Service Unavailable', 503, 'serviceUnavailable', 'req-503', { novaFault: true });
const conflict = (message: string) => new OpenStackError(message, 409, 'conflictingRequest', 'req-409');
const noAnswer = () => new OpenStackError('nova.reboot timed out after 10000 ms', 0, 'timeout');
const soon = (ms: number) => jobRow({ deadlineAt: new Date(Date.now() + ms) });

/** A reboot action Nova recorded `agoMs` ago by its own clock (its times are UTC without a zone). */
const rebootAction = (agoMs: number, requestId = 'req-nova'): NovaInstanceAction => ({
  action: 'reboot',
  instanceUuid: NODE.serverId,
  requestId,
  startTime: new Date(Date.now() - agoMs).toISOString().replace('Z', ''),
  userId: null,
  projectId: null,
  message: null,
});

/** The calls of a first reboot sent by the handler and accepted by Nova. */
const SENT_BY_HANDLER = [
  'setServer srv-0',
  'admit start',
  'actions',
  'attempted SOFT',
  'reboot SOFT',
  'sent SOFT',
  'release',
];

describe('RebootHandler and ClusterWatcher', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('sends one SOFT reboot, records the attempt and each status it sees, and ends Done once the server is back', async () => {
    const { run, calls, lines, seen, noted, ended, attempts } = setUp();
    expect(await run()).toEqual({ deliveries: 1, polls: 2 });
    expect(calls).toEqual([...SENT_BY_HANDLER, 'list', 'list']);
    expect(attempts).toEqual(['SOFT accepted']);
    expect(lines).toEqual(['worker-0 REBOOT', 'worker-0 ACTIVE']);
    // Nova took the reboot: nodestatus shows REBOOT at once, then what each listing saw.
    expect(noted).toEqual(['REBOOT']);
    expect(seen).toEqual(['REBOOT', 'ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('does nothing when the claim is lost, and says until when when another handler holds the job', async () => {
    const gone = setUp({ job: jobRow({ state: 'done' }) });
    expect(await gone.step()).toBeNull();
    expect(await gone.watch()).toBe(0);
    expect([gone.calls, gone.lines, gone.ended]).toEqual([[], [], []]);

    const until = new Date(Date.now() + 20_000);
    const elsewhere = setUp({ job: jobRow({ state: 'running', leaseOwner: 'another-worker', leaseUntil: until }) });
    expect(await elsewhere.step()).toEqual({ retryAt: new Date(until.getTime() + 250) });
    expect([elsewhere.calls, elsewhere.lines, elsewhere.ended]).toEqual([[], [], []]);
  });

  describe('stops without touching the job once its lease is lost mid-way', () => {
    it('in the handler: nothing sent, the lease not released', async () => {
      const { drive, calls, row, lines, ended } = setUp({ leaseTakenAt: 'attempted SOFT' });
      expect(await drive()).toBe(1);
      expect(calls).toEqual(['setServer srv-0', 'admit start', 'actions', 'attempted SOFT']);
      expect(row.job.rebootAttemptedAt).toBeNull();
      expect([lines, ended]).toEqual([[], []]);
    });

    it('in the watcher: no more lines, no end, not even a listing', async () => {
      const { drive, watch, calls, lines, ended } = setUp({
        leaseTakenAfterLines: 1,
        listings: [server('REBOOT', 'rebooting')],
      });
      await drive();
      expect(await watch(3)).toBe(3);
      expect(calls).toEqual([...SENT_BY_HANDLER, 'list']);
      expect(lines).toEqual(['worker-0 REBOOT']);
      expect(ended).toEqual([]);
    });
  });

  describe('fails the job when the node no longer exists', () => {
    it('before the send, saying nothing was sent', async () => {
      const { run, calls, ended } = setUp({ nodes: [node('worker-1', 'srv-1')] });
      expect(await run()).toEqual({ deliveries: 1, polls: 0 });
      expect(calls).toEqual([]);
      expect(ended).toEqual([
        { state: 'failed', errors: 'Node worker-0 no longer exists in OpenStack: no reboot was sent' },
      ]);
    });

    it('after the send, when its server leaves the listing, saying a reboot was sent', async () => {
      const { run, calls, lines, ended } = setUp({ listings: [server('REBOOT', 'rebooting'), []] });
      await run();
      expect(calls).toEqual([...SENT_BY_HANDLER, 'list', 'list']);
      expect(lines).toEqual(['worker-0 REBOOT']);
      expect(ended).toEqual([
        { state: 'failed', errors: 'worker-0 no longer exists in OpenStack (a reboot was sent)' },
      ]);
    });
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
      jobRow({
        state: 'running',
        serverId: NODE.serverId,
        admittedAt: new Date(Date.now() - agoMs - 100),
        rebootType: type,
        rebootAttemptedAt: new Date(Date.now() - agoMs),
      });

    it('does not send again when the task state shows the reboot running', async () => {
      const { run, calls, lines, ended } = setUp({
        job: inDoubt(),
        listings: [server('REBOOT', 'rebooting'), server('ACTIVE')],
      });
      expect(await run()).toEqual({ deliveries: 1, polls: 2 });
      expect(calls).toEqual(['release', 'list', 'sent SOFT', 'list']);
      expect(lines).toEqual(['worker-0 REBOOT', 'worker-0 ACTIVE']);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('does not send again when Nova recorded a reboot action since the attempt (it had none before)', async () => {
      const { run, calls, ended } = setUp({
        job: { ...inDoubt(), rebootActionsBefore: '' },
        listings: [server('ACTIVE')],
        actions: [rebootAction(1000)],
      });
      await run();
      expect(calls).toEqual(['release', 'list', 'actions', 'sent SOFT', 'list']);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it.each([
      [
        'by the request id its answer carried',
        { rebootRequestId: 'req-post' },
        [rebootAction(10 * MINUTE, 'req-post')],
      ],
      [
        'by a reboot newer than the newest one before it (no request id came back)',
        { rebootActionsBefore: 'req-old' },
        [rebootAction(10 * MINUTE, 'req-other'), rebootAction(60 * MINUTE, 'req-old')],
      ],
    ])(
      'confirms it %s, whatever Nova’s clock says: never sent again',
      async (_how, recorded: Partial<JobEntity>, actions: NovaInstanceAction[]) => {
        // Nova's clock runs ten minutes behind: its actions look older than the attempt, a minute ago.
        const { run, calls, attempts, ended } = setUp({
          job: { ...inDoubt('SOFT', 60_000), ...recorded },
          listings: [server('ACTIVE')],
          actions,
        });
        await run();
        expect(calls).toEqual(['release', 'list', 'actions', 'sent SOFT', 'list']);
        expect(attempts).toEqual([]);
        expect(ended).toEqual([{ state: 'done', errors: '' }]);
      },
    );

    it('sends nothing while Nova may still apply the POST, and fails at the deadline saying it may have happened', async () => {
      const { run, calls, ended } = setUp({
        job: { ...inDoubt(), deadlineAt: new Date(Date.now() + 40) },
        listings: [server('ACTIVE')],
      });
      const { polls } = await run();
      expect(polls).toBeGreaterThan(1);
      expect(calls.filter((call) => call === 'list')).toHaveLength(polls);
      expect(calls.filter((call) => !['release', 'list', 'actions'].includes(call))).toEqual([]);
      expect(ended).toHaveLength(1);
      expect(ended[0].errors).toMatch(
        /^Deadline passed: a SOFT reboot of worker-0 was sent at .* but Nova never confirmed it, so it may or may not have happened\. Check the node's status before rebooting again\.$/,
      );
    });

    it('sends again once the window has passed with no sign of it (an older reboot does not count)', async () => {
      const soft = setUp({
        job: { ...inDoubt('SOFT', 60_000), rebootActionsBefore: 'req-nova' },
        listings: [server('ACTIVE'), server('REBOOT', 'rebooting'), server('ACTIVE')],
        actions: [rebootAction(120_000)],
      });
      await soft.run();
      expect(soft.calls).toEqual([
        'release',
        'list',
        'actions',
        'actions',
        'attempted SOFT',
        'reboot SOFT',
        'sent SOFT',
        'list',
        'list',
      ]);
      expect(soft.lines).toEqual(['worker-0 ACTIVE', 'worker-0 REBOOT', 'worker-0 ACTIVE']);
      expect(soft.ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('does not send again while Nova cannot be listed, even once the window has passed', async () => {
      // The first POST reached Nova and the reboot is over (its action is recorded), but the poll's listing
      // fails once (a 503): nothing tells the watcher that no reboot happened, so nothing may be sent.
      const { run, calls, attempts, lines, ended } = setUp({
        job: { ...inDoubt('SOFT', 60_000), rebootActionsBefore: 'req-old' },
        listings: [unavailable(), server('ACTIVE')],
        actions: [rebootAction(50_000), rebootAction(20 * MINUTE, 'req-old')],
      });
      await run();
      expect(calls).toEqual(['release', 'list', 'list', 'actions', 'sent SOFT', 'list']);
      expect(attempts).toEqual([]);
      expect(lines).toEqual(['worker-0 ACTIVE', 'worker-0 ACTIVE']);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });
  });

  it('follows a reboot already running when Nova answers 409 in a reboot task state', async () => {
    const running = conflict("Cannot 'reboot' instance srv-0 while it is in task_state reboot_started");
    const { run, calls, ended, attempts } = setUp({ rebootErrors: [running] });
    await run();
    expect(calls).toEqual([...SENT_BY_HANDLER, 'list', 'list']);
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
      const { run, calls, ended, attempts, row } = setUp({ rebootErrors: [refusal] });
      expect(await run()).toEqual({ deliveries: 1, polls: 0 });
      // The refused POST can never land: its doubt is lifted, and the node is released as the job ends.
      expect(calls).toEqual([
        'setServer srv-0',
        'admit start',
        'actions',
        'attempted SOFT',
        'reboot SOFT',
        'unsent SOFT',
      ]);
      expect(row.job.releasedAt).not.toBeNull();
      expect(attempts).toEqual([`SOFT ${kind}`]);
      expect(ended).toHaveLength(1);
      expect(ended[0].state).toBe('failed');
      expect(ended[0].errors).toMatch(reason);
      expect(ended[0].errors).toContain(`Nova said: "${refusal.message}" (Nova request ${refusal.requestId})`);
    },
  );

  it('holds Nova’s own 5xx in doubt too, and never sends twice when Nova took the reboot before failing', async () => {
    const { run, calls, attempts, lines, ended } = setUp({ rebootErrors: [unavailable()] });
    await run();
    expect(calls).toEqual([
      'setServer srv-0',
      'admit start',
      'actions',
      'attempted SOFT',
      'reboot SOFT',
      'release',
      'list',
      'sent SOFT',
      'list',
    ]);
    expect(attempts).toEqual(['SOFT gatewayError']);
    expect(lines).toEqual(['worker-0 REBOOT', 'worker-0 ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('never sends twice when a proxy answered 502 without Nova’s fault body after Nova took the reboot', async () => {
    const { run, calls, attempts, lines, ended } = setUp({
      rebootErrors: [new OpenStackError('HTTP 502', 502, 'computeFault')],
    });
    await run();
    expect(calls).toEqual([
      'setServer srv-0',
      'admit start',
      'actions',
      'attempted SOFT',
      'reboot SOFT',
      'release',
      'list',
      'sent SOFT',
      'list',
    ]);
    expect(attempts).toEqual(['SOFT gatewayError']);
    expect(lines).toEqual(['worker-0 REBOOT', 'worker-0 ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('never sends twice when the POST got no answer but Nova applied it', async () => {
    const { run, calls, lines, ended, attempts } = setUp({
      rebootErrors: [noAnswer()],
      listings: [server('ACTIVE'), server('REBOOT', 'rebooting'), server('ACTIVE')],
    });
    await run();
    expect(calls).toEqual([
      'setServer srv-0',
      'admit start',
      'actions',
      'attempted SOFT',
      'reboot SOFT',
      'release',
      'list',
      'actions',
      'list',
      'sent SOFT',
      'list',
    ]);
    expect(attempts).toEqual(['SOFT noAnswer']);
    expect(lines).toEqual(['worker-0 ACTIVE', 'worker-0 REBOOT', 'worker-0 ACTIVE']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('fails the job when the server goes where a reboot cannot end well', async () => {
    const { run, lines, ended } = setUp({ listings: [server('ERROR', null, 'disk gone')] });
    await run();
    expect(lines).toEqual(['worker-0 ERROR']);
    expect(ended).toEqual([
      { state: 'failed', errors: 'worker-0 went ERROR during the reboot (a SOFT reboot was sent): disk gone' },
    ]);
  });

  it('waits out OpenStack being away (5xx, no answer), then carries on', async () => {
    const away = new CloudUnavailableError('OpenStack did not answer');
    const { run, calls, lines, ended } = setUp({ job: sentRow(), listings: [unavailable(), away, server('ACTIVE')] });
    expect(await run()).toEqual({ deliveries: 1, polls: 3 });
    expect(calls).toEqual(['release', 'list', 'list', 'list']);
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
    const { deliveries } = await run();
    expect(asked).toBeGreaterThan(1);
    expect(deliveries).toBe(asked);
    // Each delivery but the last gives the job up for the next one; nothing else is written, nothing sent.
    expect(calls).toEqual(Array.from({ length: asked - 1 }, () => 'release'));
    expect(ended).toEqual([
      {
        state: 'failed',
        errors:
          'Deadline passed before the reboot could be sent: no reboot was sent to worker-0. Last problem: cluster credentials: secret variable OPENSTACK_SECRET_X is not set. Reboot again if it is still needed.',
      },
    ]);
  });

  it('ends Fail by the deadline when Nova stops answering after the send, saying a reboot was sent', async () => {
    const { run, lines, ended } = setUp({
      job: sentRow(0, { deadlineAt: new Date(Date.now() + 40) }),
      listings: [unavailable()],
    });
    const { polls } = await run();
    expect(polls).toBeGreaterThan(1);
    expect(lines).toEqual([]);
    expect(ended).toEqual([
      {
        state: 'failed',
        errors:
          "Deadline passed: a SOFT reboot was sent to worker-0 but OpenStack stopped answering about it. Last problem: Service Unavailable (Nova request req-503). Check the node's status.",
      },
    ]);
  });

  it('fails at the deadline when the node never comes back, saying a reboot was sent', async () => {
    const stuck = setUp({ job: soon(60), listings: [server('REBOOT', 'rebooting')] });
    await stuck.run();
    expect(stuck.lines.every((line) => line === 'worker-0 REBOOT')).toBe(true);
    expect(stuck.ended).toEqual([
      {
        state: 'failed',
        errors: 'Deadline passed: worker-0 is still REBOOT (a SOFT reboot was sent and did not finish in time)',
      },
    ]);
  });

  it('fails the job when the cluster was removed', async () => {
    const gone = setUp({
      nova: async () => {
        throw new ClusterNotFoundError(CLUSTER);
      },
    });
    await gone.run();
    expect(gone.ended).toEqual([
      { state: 'failed', errors: 'The cluster is no longer registered: no reboot was sent' },
    ]);
  });

  it('isolates one job’s unexpected error: the others of its cluster end, and it ends at its deadline', async () => {
    const troubled = jobRow({
      id: 'job-2',
      target: 'worker-1',
      state: 'running',
      serverId: 'srv-1',
      admittedAt: new Date(Date.now() - 60_100),
      rebootAttemptedAt: new Date(Date.now() - 60_000),
      deadlineAt: new Date(Date.now() + 40),
    });
    const both = [server('ACTIVE'), server('ACTIVE', null, undefined, node('worker-1', 'srv-1'))];
    // Confirming job-2's reboot in doubt meets a bug (not an OpenStack error) every time.
    const world = setUp({ job: sentRow(), others: [troubled], listings: [both], actions: new TypeError('boom') });
    const polls = await world.watch();
    expect(polls).toBeGreaterThan(1);
    expect(world.ended).toEqual([{ state: 'done', errors: '' }]);
    // The troubled job has nothing to write (its lease was renewed by the poll's hold), and is kept to its deadline.
    expect(world.writes[0].map((entry) => entry.jobId)).toEqual(['job-1']);
    expect(world.rows.get('job-2')!.ended).toEqual([
      {
        state: 'failed',
        errors:
          "Deadline passed: the worker could not follow the reboot of worker-1 (a reboot may have been sent). Check the node's status.",
      },
    ]);
  });

  it('lets the watch go after five failed listings in a row, so another worker takes the cluster', async () => {
    const { watcher, newWatcher, calls, ended } = setUp({
      job: sentRow(),
      listings: [...Array.from({ length: 5 }, unavailable), server('ACTIVE')],
    });
    for (let round = 0; round < 5; round += 1) await watcher.watchRound();
    expect(calls).toEqual(['list', 'list', 'list', 'list', 'list']);
    // It leaves the cluster to the others for a few rounds: no sixth listing from it.
    await watcher.watchRound();
    expect(calls).toHaveLength(5);
    await newWatcher().watchRound();
    expect(calls).toEqual(['list', 'list', 'list', 'list', 'list', 'list']);
    expect(ended).toEqual([{ state: 'done', errors: '' }]);
  });

  describe('a listing error that cannot be waited out (a 403, an unreadable 200) while reboots run', () => {
    const forbidden = () => new OpenStackError('Policy forbids', 403, 'forbidden', 'req-403');
    const unreadable = () => new OpenStackError('unexpected Nova answer: servers', 200, 'invalidResponse', 'req-200');

    it('keeps every job of the cluster: they end Done once Nova lists them again', async () => {
      const other = sentRow(0, { id: 'job-2', target: 'worker-1', serverId: 'srv-1' });
      const both = [server('ACTIVE'), server('ACTIVE', null, undefined, node('worker-1', 'srv-1'))];
      const world = setUp({ job: sentRow(), others: [other], listings: [forbidden(), unreadable(), both] });
      expect(await world.watch()).toBe(3);
      expect(world.lines).toEqual(['worker-0 ACTIVE']);
      expect(world.ended).toEqual([{ state: 'done', errors: '' }]);
      expect(world.rows.get('job-2')!.ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('ends each job at its deadline when it lasts, saying what stood in the way', async () => {
      const { run, ended } = setUp({
        job: sentRow(0, { deadlineAt: new Date(Date.now() + 40) }),
        listings: [forbidden()],
      });
      const { polls } = await run();
      expect(polls).toBeGreaterThan(1);
      expect(ended).toEqual([
        {
          state: 'failed',
          errors:
            "Deadline passed: a SOFT reboot was sent to worker-0 but OpenStack stopped answering about it. Last problem: OpenStack error: Policy forbids (Nova request req-403). Check the node's status.",
        },
      ]);
    });
  });

  it('fails the job when the cluster is removed while its reboot is watched, saying a reboot was sent', async () => {
    const { run, calls, lines, ended } = setUp({ clusterRemovedAfter: 2 });
    expect(await run()).toEqual({ deliveries: 1, polls: 2 });
    expect(calls).toEqual([...SENT_BY_HANDLER, 'list']);
    expect(lines).toEqual(['worker-0 REBOOT']);
    expect(ended).toEqual([{ state: 'failed', errors: 'The cluster is no longer registered: a reboot was sent' }]);
  });

  describe('escalation of a SOFT reboot that overran its limit', () => {
    const softSentLongAgo = (extra: Partial<JobEntity> = {}) =>
      sentRow(0, {
        rebootAttemptedAt: new Date(Date.now() - MINUTE - 100),
        rebootSentAt: new Date(Date.now() - MINUTE),
        ...extra,
      });

    it('sends HARD once, saying so in the output', async () => {
      const { run, calls, lines, ended } = setUp({
        job: softSentLongAgo(),
        softRebootTimeoutMs: 1000,
        listings: [server('REBOOT', 'rebooting'), server('HARD_REBOOT', 'rebooting_hard'), server('ACTIVE')],
      });
      expect(await run()).toEqual({ deliveries: 1, polls: 3 });
      expect(calls).toEqual([
        'release',
        'list',
        'actions',
        'attempted HARD',
        'reboot HARD',
        'sent HARD',
        'list',
        'list',
      ]);
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
        rebootErrors: [noAnswer()],
        listings: [server('REBOOT', 'reboot_started'), server('ACTIVE')],
      });
      await run();
      expect(calls).toEqual([
        'release',
        'list',
        'actions',
        'attempted HARD',
        'reboot HARD',
        'list',
        'actions',
        'unsent SOFT',
        'list',
      ]);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('fails with Nova’s reason when it refuses the HARD reboot', async () => {
      const { run, lines, ended } = setUp({
        job: softSentLongAgo(),
        softRebootTimeoutMs: 1000,
        rebootErrors: [conflict('Instance srv-0 is locked')],
        listings: [server('REBOOT', 'rebooting')],
      });
      await run();
      expect(lines).toEqual(['worker-0 REBOOT', 'Soft reboot did not finish in 1 s: escalating to HARD reboot']);
      expect(ended).toHaveLength(1);
      expect(ended[0].errors).toMatch(/^A SOFT reboot was sent and did not finish in time; then worker-0 is locked/);
    });
  });

  it('hands the job back untouched, lease released, when the worker stops', async () => {
    const world = setUp({ listings: [server('REBOOT', 'rebooting'), server('REBOOT', 'rebooting'), server('ACTIVE')] });
    await world.drive();
    // Between the handler's steps the job is nobody's: whoever comes next takes it at once.
    expect(world.row.job.leaseUntil!.getTime()).toBeLessThanOrEqual(Date.now());

    const first = world.watcher;
    await first.watchRound();
    expect(world.row.job.leaseOwner).toBe(first.owner);
    const other = world.newWatcher();
    await other.watchRound();
    expect(world.calls.filter((call) => call === 'list')).toHaveLength(1);

    await first.onApplicationShutdown();
    expect(world.row.job.leaseUntil!.getTime()).toBeLessThanOrEqual(Date.now());
    expect([world.lines, world.ended]).toEqual([['worker-0 REBOOT'], []]);

    // The other worker takes the cluster over at its next round and follows the reboot to its end.
    await other.watchRound();
    expect(world.row.job.leaseOwner).toBe(other.owner);
    await world.watch(10, other);
    expect(world.lines).toEqual(['worker-0 REBOOT', 'worker-0 REBOOT', 'worker-0 ACTIVE']);
    expect(world.ended).toEqual([{ state: 'done', errors: '' }]);
  });

  describe('waiting its turn under the cluster’s rules', () => {
    it('writes `Waiting: <reason>` once and comes back after a poll interval, holding nothing, until its turn', async () => {
      const { step, drive, watch, calls, lines, row, ended } = setUp({ inFlight: [['worker-1'], ['worker-1'], []] });
      const before = Date.now();
      const first = await step();
      expect(first?.retryAt.getTime()).toBeGreaterThanOrEqual(before + 1);
      expect(lines).toEqual(['Waiting: worker-1 is rebooting']);
      expect(row.job.leaseUntil!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(await step()).toEqual({ retryAt: expect.any(Date) });
      expect(lines).toEqual(['Waiting: worker-1 is rebooting']);

      expect(await drive()).toBe(1);
      expect(await watch()).toBe(2);
      expect(calls).toEqual([
        'setServer srv-0',
        'admit wait',
        'release',
        'admit wait',
        'release',
        'admit start',
        'actions',
        'attempted SOFT',
        'reboot SOFT',
        'sent SOFT',
        'release',
        'list',
        'list',
      ]);
      expect(lines).toEqual(['Waiting: worker-1 is rebooting', 'worker-0 REBOOT', 'worker-0 ACTIVE']);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('outside the maintenance window, comes back when the next one opens, not after a poll', async () => {
      const opensAt = Math.ceil((Date.now() + 5 * 60_000) / 60_000) * 60_000;
      const policy = windowOpeningAt(opensAt);
      const { step, lines, calls, ended } = setUp({ policy });
      expect(await step()).toEqual({ retryAt: new Date(opensAt) });
      expect(lines).toEqual([`Waiting: outside the maintenance window; next opens ${windowTime(opensAt)}`]);
      expect(calls).toEqual(['setServer srv-0', 'admit wait', 'release']);
      expect(ended).toEqual([]);
    });

    it('ends Fail, nothing sent, when the next maintenance window opens only after its deadline', async () => {
      const opensAt = Math.ceil((Date.now() + 3 * 3_600_000) / 60_000) * 60_000;
      const policy = windowOpeningAt(opensAt);
      const { run, attempts, ended } = setUp({ policy });
      await run();
      expect(attempts).toEqual([]);
      expect(ended).toEqual([
        {
          state: 'failed',
          errors: expect.stringMatching(
            new RegExp(
              `^outside the maintenance window; the next opens ${windowTime(opensAt)}, after the job's deadline \\(.*\\): no reboot was sent$`,
            ),
          ),
        },
      ]);
    });

    it('starts at once outside the window when the customer overrode it', async () => {
      const opensAt = Math.ceil((Date.now() + 3 * 3_600_000) / 60_000) * 60_000;
      const policy = windowOpeningAt(opensAt);
      const { run, ended } = setUp({
        policy,
        job: jobRow({ windowOverrideBy: 'alice', windowOverrideReason: 'INC-1' }),
      });
      await run();
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('asks the rules again just before the first POST: a stale admission is withdrawn, nothing sent', async () => {
      // Admitted; by the time of the POST another worker started worker-1: the job waits its turn again.
      const { run, calls, lines, attempts, ended } = setUp({
        inFlight: [[], ['worker-1'], []],
        inFlightAtSend: [['worker-1'], []],
      });
      expect(await run()).toEqual({ deliveries: 3, polls: 2 });
      expect(calls).toEqual([
        'setServer srv-0',
        'admit start',
        'actions',
        'recheck wait',
        'release',
        'admit wait',
        'release',
        'admit start',
        'actions',
        'attempted SOFT',
        'reboot SOFT',
        'sent SOFT',
        'release',
        'list',
        'list',
      ]);
      expect(attempts).toEqual(['SOFT accepted']);
      expect(lines).toEqual(['Waiting: worker-1 is rebooting', 'worker-0 REBOOT', 'worker-0 ACTIVE']);
      expect(ended).toEqual([{ state: 'done', errors: '' }]);
    });

    it('asks the rules again before resending a first POST in doubt: a wait hands the job back to the queue', async () => {
      const { run, calls, attempts, row } = setUp({
        job: jobRow({
          state: 'running',
          serverId: NODE.serverId,
          admittedAt: new Date(Date.now() - 60_100),
          rebootAttemptedAt: new Date(Date.now() - 60_000),
          rebootActionsBefore: '',
        }),
        listings: [server('ACTIVE')],
        inFlightAtSend: [['worker-1']],
      });
      await run();
      expect(calls).toEqual(['release', 'list', 'actions', 'actions', 'recheck wait', 'enqueue job-1', 'release']);
      expect(attempts).toEqual([]);
      expect([row.job.admittedAt, row.job.rebootAttemptedAt]).toEqual([null, null]);
    });

    it('ends Fail when the deadline passes while it waits, with nothing sent', async () => {
      const { run, calls, lines, ended } = setUp({ job: soon(40), inFlight: [['worker-1']] });
      const { deliveries, polls } = await run();
      expect(deliveries).toBeGreaterThan(1);
      expect(polls).toBe(0);
      // Every delivery but the last asks the rules and waits; the last finds the deadline too close to send.
      const waits = Array.from({ length: deliveries - 1 }, () => ['admit wait', 'release']).flat();
      expect(calls).toEqual(['setServer srv-0', ...waits]);
      expect(lines).toEqual(['Waiting: worker-1 is rebooting']);
      expect(ended).toEqual([
        {
          state: 'failed',
          errors: 'Deadline passed while waiting (worker-1 is rebooting): no reboot was sent to worker-0',
        },
      ]);
    });

    it('ends Fail when the rules refuse the reboot, with nothing sent', async () => {
      const { run, calls, lines, ended } = setUp({
        job: jobRow({ target: 'haproxy-0' }),
        nodes: [node('haproxy-0', 'srv-h0'), NODE],
      });
      expect(await run()).toEqual({ deliveries: 1, polls: 0 });
      expect(calls).toEqual(['setServer srv-h0', 'admit refuse']);
      expect(lines).toEqual([]);
      expect(ended).toEqual([
        {
          state: 'failed',
          errors:
            "haproxy-0 is the cluster's only HAProxy node: rebooting it takes the cluster offline: no reboot was sent",
        },
      ]);
    });
  });

  it('lists a cluster once and writes all of its jobs in one statement per poll, status lines on change only', async () => {
    const [w1, w2] = [node('worker-1', 'srv-1'), node('worker-2', 'srv-2')];
    const listing = (...statuses: [string, string | null][]) => [
      ...statuses.map(([status, task], index) => server(status, task, undefined, [NODE, w1, w2][index])),
      server('ACTIVE', null, undefined, node('master-0', 'srv-m0')),
    ];
    const reboot: [string, string] = ['REBOOT', 'rebooting'];
    const back: [string, null] = ['ACTIVE', null];
    const world = setUp({
      job: sentRow(),
      others: [
        sentRow(0, { id: 'job-2', target: w1.nodename, serverId: w1.serverId }),
        sentRow(0, { id: 'job-3', target: w2.nodename, serverId: w2.serverId }),
      ],
      listings: [
        listing(reboot, reboot, reboot),
        listing(back, reboot, ['HARD_REBOOT', 'rebooting_hard']),
        listing(back, back, back),
      ],
      // A cadence longer than the test: an unchanged status is not said again.
      outputLineMs: 60 * MINUTE,
    });
    expect(await world.watch()).toBe(3);
    expect(world.calls).toEqual(['list', 'list', 'list']);
    const done = { state: 'done', errors: '' };
    const said = (jobId: string, status: string) => ({ jobId, lines: [status], status });
    expect(world.writes).toEqual([
      [said('job-1', 'worker-0 REBOOT'), said('job-2', 'worker-1 REBOOT'), said('job-3', 'worker-2 REBOOT')],
      [
        // job-2 has nothing to say (its status is unchanged): no entry, its lease renewed by the poll's hold.
        { ...said('job-1', 'worker-0 ACTIVE'), end: done },
        said('job-3', 'worker-2 HARD_REBOOT'),
      ],
      [
        { ...said('job-2', 'worker-1 ACTIVE'), end: done },
        { ...said('job-3', 'worker-2 ACTIVE'), end: done },
      ],
    ]);
    expect([...world.rows.values()].map((row) => row.ended)).toEqual([[done], [done], [done]]);
  });

  it('keeps the cadence of a job taken over from its row: no status said again early, none held back', async () => {
    const w1 = node('worker-1', 'srv-1');
    const reboot = (of = NODE) => server('REBOOT', 'rebooting', undefined, of);
    const back = (of = NODE) => server('ACTIVE', null, undefined, of);
    // A worker that died wrote worker-0's REBOOT 2 s ago, and worker-1's 11 s ago.
    const saidAgo = (ms: number, statusLine: string) => ({ statusLine, statusLineAt: new Date(Date.now() - ms) });
    const world = setUp({
      job: sentRow(0, saidAgo(2_000, 'worker-0 REBOOT')),
      others: [
        sentRow(0, { id: 'job-2', target: w1.nodename, serverId: w1.serverId, ...saidAgo(11_000, 'worker-1 REBOOT') }),
      ],
      listings: [
        [reboot(), reboot(w1)],
        [reboot(), reboot(w1)],
        [back(), back(w1)],
      ],
      outputLineMs: 10_000,
    });
    // The worker that takes the cluster over knows nothing but the rows.
    expect(await world.watch(10, world.newWatcher())).toBe(3);
    const done = { state: 'done', errors: '' };
    expect(world.lines).toEqual(['worker-0 ACTIVE']);
    expect(world.rows.get('job-2')!.lines).toEqual(['worker-1 REBOOT', 'worker-1 ACTIVE']);
    expect([...world.rows.values()].map((row) => row.ended)).toEqual([[done], [done]]);
  });
});
