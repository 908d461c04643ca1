import { Logger } from '@nestjs/common';
import type { UnreleasedJob } from '@oshift/jobs';
import { releaseDue } from './reboot-release';
import { jobRow, NODE, sentRow, server, setUp } from './reboot-world.fixture';

const WINDOW = 30_000;
const ended = (overrides: Partial<UnreleasedJob> = {}): UnreleasedJob => ({
  id: 'job-1',
  target: NODE.nodename,
  serverId: NODE.serverId,
  attemptedAgoMs: 60_000,
  inDoubt: false,
  ...overrides,
});

describe('releaseDue: when an ended reboot stops counting as in flight', () => {
  it('waits while a POST in doubt may still land, whatever Nova shows', () => {
    expect(releaseDue(ended({ inDoubt: true, attemptedAgoMs: 29_000 }), server('ACTIVE'), WINDOW)).toBe(false);
    expect(releaseDue(ended({ inDoubt: true, attemptedAgoMs: 31_000 }), server('ACTIVE'), WINDOW)).toBe(true);
  });

  it('waits until Nova shows the server at rest: ACTIVE, SHUTOFF or ERROR with no task state', () => {
    expect(['ACTIVE', 'SHUTOFF', 'ERROR'].map((status) => releaseDue(ended(), server(status), WINDOW))).toEqual([
      true,
      true,
      true,
    ]);
    expect(releaseDue(ended(), server('REBOOT', 'rebooting'), WINDOW)).toBe(false);
    expect(releaseDue(ended(), server('HARD_REBOOT', 'rebooting_hard'), WINDOW)).toBe(false);
    expect(releaseDue(ended(), server('ACTIVE', 'reboot_started'), WINDOW)).toBe(false);
  });

  it('releases a node Nova no longer lists: nothing is left to come back', () => {
    expect(releaseDue(ended(), null, WINDOW)).toBe(true);
  });
});

describe('ClusterWatcher: ended reboots whose node may not be back', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('keeps a job that failed in doubt in flight until the window passed and Nova shows it at rest, then wakes the waiting', async () => {
    // The POST got no answer and the deadline passed before Nova confirmed it: the job ends Fail, in flight.
    const world = setUp({
      job: jobRow({
        state: 'running',
        serverId: NODE.serverId,
        admittedAt: new Date(Date.now() - 200),
        rebootAttemptedAt: new Date(Date.now() - 100),
        deadlineAt: new Date(Date.now() + 20),
      }),
      others: [jobRow({ id: 'job-2', target: 'worker-1', waitingReason: 'worker-0 is rebooting' })],
      // Nova shows nothing of it: the POST may still land until the confirm window has passed.
      listings: [server('ACTIVE')],
      confirmWindowMs: 300,
    });
    await world.watch();
    expect(world.ended).toEqual([
      { state: 'failed', errors: expect.stringMatching(/^Deadline passed: a SOFT reboot/) },
    ]);
    expect(world.row.job.releasedAt).toBeNull();
    const started = Date.now();
    // Polled on: nothing is released before the window has passed, though Nova shows the server ACTIVE.
    while (world.row.job.releasedAt === null && Date.now() - started < 5000) {
      await world.watcher.poll('c1');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(world.row.job.releasedAt).not.toBeNull();
    expect(world.row.job.releasedAt!.getTime() - world.row.job.rebootAttemptedAt!.getTime()).toBeGreaterThanOrEqual(
      300,
    );
    expect(world.calls.slice(-2)).toEqual(['released job-1', 'wake job-2']);
    // Released once: later polls have nothing left to watch.
    await world.watcher.poll('c1');
    expect(world.calls.filter((call) => call.startsWith('released'))).toEqual(['released job-1']);
  });

  it('keeps a job that failed while Nova still reboots the node in flight until Nova shows it ACTIVE', async () => {
    const rebooting = Array.from({ length: 200 }, () => server('REBOOT', 'rebooting'));
    const world = setUp({
      job: sentRow(100, { deadlineAt: new Date(Date.now() + 20) }),
      listings: [...rebooting, server('ACTIVE')],
    });
    await world.watch();
    expect(world.ended).toEqual([
      { state: 'failed', errors: expect.stringMatching(/^Deadline passed: worker-0 is still REBOOT/) },
    ]);
    expect(world.row.job.releasedAt).toBeNull();
    const polled = () => world.calls.filter((call) => call === 'list').length;
    expect(polled()).toBeLessThan(200);
    while (polled() < 200) {
      await world.watcher.poll('c1');
      expect(world.row.job.releasedAt).toBeNull();
    }
    await world.watcher.poll('c1');
    expect(world.row.job.releasedAt).not.toBeNull();
    expect(world.calls.at(-1)).toBe('released job-1');
  });

  it('releases a job as it fails when Nova shows its node at rest already and no POST is in doubt', async () => {
    const world = setUp({ job: sentRow(100), listings: [server('SHUTOFF')] });
    await world.run();
    expect(world.ended).toEqual([
      { state: 'failed', errors: expect.stringMatching(/^worker-0 went SHUTOFF during the reboot/) },
    ]);
    expect(world.row.job.releasedAt).not.toBeNull();
    expect(world.calls.filter((call) => call.startsWith('released'))).toEqual([]);
  });

  it('releases a reboot that ends Done as it ends, and one that never sent anything', async () => {
    const done = setUp({ job: sentRow(1000), listings: [server('ACTIVE')] });
    await done.run();
    expect(done.ended).toEqual([{ state: 'done', errors: '' }]);
    expect(done.row.job.releasedAt).not.toBeNull();
    const refused = setUp({ job: jobRow({ deadlineAt: new Date(Date.now() - 1) }) });
    await refused.run();
    expect(refused.ended[0]?.state).toBe('failed');
    expect(refused.row.job.releasedAt).not.toBeNull();
  });
});
