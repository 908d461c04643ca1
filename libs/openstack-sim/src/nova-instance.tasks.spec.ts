import { NovaInstance, type PowerKnobs } from './nova-instance.model';
import { NOVA_TASK_STATES, initialStateFor } from './nova-states';
import { rebootConcurrency, roleOf } from './sim-stats';

// Lock, snapshot, stop/start, held task states and reboot periods of a simulated instance, against the rules of
// nova/compute/api.py (check_instance_lock, check_instance_state on _soft_reboot, _hard_reboot, stop, start, snapshot).

const T0 = Date.UTC(2024, 0, 1);
const knobs: PowerKnobs = {
  rebootDurationMs: 1000,
  rebootHangs: false,
  rebootEndsIn: 'ACTIVE',
  softEscalatesToHardAfterMs: null,
  powerActionDurationMs: 400,
  snapshotDurationMs: 10_000,
};
const by = { requestId: 'req-1', userId: 'u' };
const instance = (status = 'ACTIVE', name = 'worker-0') =>
  new NovaInstance(`uuid-${name}`, name, 'p', 'u', T0, initialStateFor(status));
const brief = (i: NovaInstance, at: number) => {
  const v = i.view(at, knobs);
  return [v.status, v.taskState, v.vmState, v.powerState];
};

describe('NovaInstance beyond reboots', () => {
  it('refuses SOFT and HARD reboots, stop and start of a locked instance, but not a snapshot', () => {
    const i = instance();
    i.setLock('owner');
    expect(i.requestReboot('SOFT', T0, knobs, by)).toEqual({ accepted: false, locked: true });
    expect(i.requestReboot('HARD', T0, knobs, by)).toEqual({ accepted: false, locked: true });
    expect(i.requestPower('stop', T0, knobs, by)).toEqual({ accepted: false, locked: true });
    expect(i.view(T0, knobs)).toMatchObject({ locked: true, lockedReason: null });
    expect(i.requestSnapshot(T0, knobs, by)).toEqual({ accepted: true });
    i.setLock(null);
    expect(i.view(T0, knobs).locked).toBe(false);
  });

  it('createImage: image_snapshot_pending, image_snapshot (within 500 ms), upload states, then ACTIVE', () => {
    const i = instance();
    expect(i.requestSnapshot(T0, knobs, by)).toEqual({ accepted: true });
    expect(brief(i, T0)).toEqual(['ACTIVE', 'image_snapshot_pending', 'active', 1]);
    expect(brief(i, T0 + 500)).toEqual(['ACTIVE', 'image_snapshot', 'active', 1]);
    expect(brief(i, T0 + 7200)).toEqual(['ACTIVE', 'image_pending_upload', 'active', 1]);
    expect(brief(i, T0 + 9999)).toEqual(['ACTIVE', 'image_uploading', 'active', 1]);
    expect(brief(i, T0 + 10_000)).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('refuses SOFT and HARD while a snapshot runs (image_snapshot is not in ALLOW_REBOOT)', () => {
    const i = instance();
    i.requestSnapshot(T0, knobs, by);
    for (const type of ['SOFT', 'HARD'] as const) {
      expect(i.requestReboot(type, T0 + 1000, knobs, by)).toEqual({
        accepted: false,
        attr: 'task_state',
        state: 'image_snapshot',
      });
    }
    expect(i.requestSnapshot(T0 + 1000, knobs, by)).toEqual({
      accepted: false,
      attr: 'task_state',
      state: 'image_snapshot',
    });
  });

  it('accepts HARD in exactly the task states of task_states.ALLOW_REBOOT, SOFT in none', () => {
    // nova/compute/task_states.py ALLOW_REBOOT besides None: not reboot_pending_hard nor reboot_started_hard.
    const HARD_ALLOWED = new Set(
      'rebooting reboot_pending reboot_started rebooting_hard pausing unpausing suspending resuming'.split(' '),
    );
    for (const state of NOVA_TASK_STATES) {
      const i = instance();
      i.holdTask(state, T0, knobs, null);
      const hard = i.requestReboot('HARD', T0 + 1, knobs, by).accepted;
      expect([state, hard]).toEqual([state, HARD_ALLOWED.has(state)]);
      const j = instance();
      j.holdTask(state, T0, knobs, null);
      expect([state, j.requestReboot('SOFT', T0 + 1, knobs, by).accepted]).toEqual([state, false]);
    }
  });

  it('holds a task state for a while (MIGRATING) and lets it go, or until cleared', () => {
    const i = instance();
    i.holdTask('migrating', T0, knobs, 5000);
    expect(brief(i, T0 + 4999)).toEqual(['MIGRATING', 'migrating', 'active', 1]);
    expect(brief(i, T0 + 5000)).toEqual(['ACTIVE', null, 'active', 1]);
    i.holdTask('image_snapshot', T0 + 6000, knobs, null);
    expect(brief(i, T0 + 999_999)).toEqual(['ACTIVE', 'image_snapshot', 'active', 1]);
    i.holdTask(null, T0 + 1_000_000, knobs, null);
    expect(brief(i, T0 + 1_000_000)).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('stops (powering-off → SHUTOFF) and starts (powering-on → ACTIVE) by Nova’s vm_state rules', () => {
    const i = instance();
    expect(i.requestPower('start', T0, knobs, by)).toEqual({ accepted: false, attr: 'vm_state', state: 'active' });
    expect(i.requestPower('stop', T0, knobs, by)).toEqual({ accepted: true });
    expect(brief(i, T0 + 100)).toEqual(['ACTIVE', 'powering-off', 'active', 1]);
    expect(i.requestPower('stop', T0 + 100, knobs, by)).toEqual({
      accepted: false,
      attr: 'task_state',
      state: 'powering-off',
    });
    expect(brief(i, T0 + 400)).toEqual(['SHUTOFF', null, 'stopped', 4]);
    expect(i.requestReboot('SOFT', T0 + 500, knobs, by)).toEqual({
      accepted: false,
      attr: 'vm_state',
      state: 'stopped',
    });
    expect(i.requestPower('start', T0 + 500, knobs, by)).toEqual({ accepted: true });
    expect(brief(i, T0 + 600)).toEqual(['SHUTOFF', 'powering-on', 'stopped', 4]);
    expect(brief(i, T0 + 900)).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('a HARD reboot of a SHUTOFF server powers it on', () => {
    const i = instance('SHUTOFF');
    expect(i.requestReboot('HARD', T0, knobs, by)).toEqual({ accepted: true });
    expect(brief(i, T0 + 500)).toEqual(['SHUTOFF', 'reboot_started_hard', 'stopped', 4]);
    expect(brief(i, T0 + 1000)).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('records accepted actions with their compute events, finished when the work ends; refused ones not at all', () => {
    const i = instance();
    i.requestReboot('SOFT', T0, knobs, { requestId: 'req-a', userId: 'u' });
    i.requestReboot('SOFT', T0 + 10, knobs, { requestId: 'req-refused', userId: 'u' });
    i.settle(T0 + 1000, knobs);
    const [reboot, create] = i.listActions();
    expect(create.action).toBe('create');
    expect(reboot).toMatchObject({ action: 'reboot', requestId: 'req-a', startTime: T0 });
    expect(reboot.events).toEqual([
      { event: 'compute_reboot_instance', startTime: T0, finishTime: T0 + 1000, result: 'Success' },
    ]);
    expect(i.listActions()).toHaveLength(2);
  });

  it('keeps one reboot period per reboot, a HARD over a running SOFT extending it', () => {
    const a = instance('ACTIVE', 'master-0');
    a.requestReboot('SOFT', T0, knobs, by);
    a.requestReboot('HARD', T0 + 100, knobs, by);
    a.settle(T0 + 5000, knobs);
    a.requestReboot('SOFT', T0 + 6000, knobs, by);
    a.settle(T0 + 9000, knobs);
    expect(a.rebootEpisodes).toEqual([
      { start: T0, end: T0 + 1100 },
      { start: T0 + 6000, end: T0 + 7000 },
    ]);
  });
});

describe('reboot concurrency per role', () => {
  it('counts the most servers of a role in reboot at once; back-to-back periods do not overlap', () => {
    const [m0, m1, m2, w0] = ['master-0', 'master-1', 'master-2', 'worker-0'].map((n) => instance('ACTIVE', n));
    m0.requestReboot('SOFT', T0, knobs, by);
    m1.requestReboot('SOFT', T0 + 1000, knobs, by); // starts as m0 ends
    m2.requestReboot('SOFT', T0 + 1500, knobs, by); // overlaps m1
    w0.requestReboot('HARD', T0, knobs, by);
    for (const i of [m0, m1, m2, w0]) i.settle(T0 + 1800, knobs);
    const result = rebootConcurrency([m0, m1, m2, w0], T0 + 1800);
    expect(result.max).toEqual({ haproxy: 0, master: 2, infra: 0, worker: 1, other: 0 });
    expect(result.now).toEqual({ haproxy: 0, master: 2, infra: 0, worker: 0, other: 0 });
  });

  it('takes the role from the node name prefix', () => {
    expect(
      ['haproxy-1.x', 'master-0.openstacklocal', 'infra-2', 'worker-17.x', 'bastion-0', 'other-1', 'master'].map(
        roleOf,
      ),
    ).toEqual(['haproxy', 'master', 'infra', 'worker', 'other', 'other', 'other']);
  });

  it('takes the role from the OpenShift 4 installer’s names too', () => {
    expect(
      [
        'ocp-x7k2p-master-0',
        'ocp-x7k2p-bootstrap',
        'ocp-x7k2p-worker-0-bcdfg',
        'ocp-x7k2p-infra-1-k2m4q',
        'master-lab-x7k2p-worker-0-bcdfg',
        'ocp-x7k2p-api',
      ].map(roleOf),
    ).toEqual(['master', 'master', 'worker', 'infra', 'worker', 'other']);
  });
});
