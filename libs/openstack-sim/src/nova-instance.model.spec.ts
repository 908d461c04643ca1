import { NovaInstance, type RebootKnobs } from './nova-instance.model';
import { initialStateFor, statusFromState } from './nova-states';

const T0 = Date.UTC(2024, 0, 1);
const knobs = (over: Partial<RebootKnobs> = {}): RebootKnobs => ({
  rebootDurationMs: 1000,
  rebootHangs: false,
  rebootEndsIn: 'ACTIVE',
  softEscalatesToHardAfterMs: null,
  ...over,
});
const instance = (status = 'ACTIVE') => new NovaInstance('uuid-1', 'worker-0', 'p', 'u', T0, initialStateFor(status));
const brief = (i: NovaInstance, at: number, k = knobs()) => {
  const v = i.view(at, k);
  return [v.status, v.taskState, v.vmState, v.powerState];
};

describe('NovaInstance reboot transitions (derived from timestamps)', () => {
  it('SOFT: REBOOT through rebooting → reboot_pending → reboot_started, then ACTIVE with task_state null', () => {
    const i = instance();
    expect(i.requestReboot('SOFT', T0 + 10_000, knobs())).toEqual({ accepted: true });
    expect(brief(i, T0 + 10_000)).toEqual(['REBOOT', 'rebooting', 'active', 1]);
    expect(brief(i, T0 + 10_250)).toEqual(['REBOOT', 'reboot_pending', 'active', 1]);
    expect(brief(i, T0 + 10_999)).toEqual(['REBOOT', 'reboot_started', 'active', 1]);
    expect(brief(i, T0 + 11_000)).toEqual(['ACTIVE', null, 'active', 1]);
    expect(i.view(T0 + 50_000, knobs()).updatedAt).toBe(T0 + 11_000);
  });

  it('HARD: HARD_REBOOT through rebooting_hard → reboot_started_hard, then ACTIVE', () => {
    const i = instance();
    i.requestReboot('HARD', T0, knobs());
    expect(brief(i, T0 + 100)).toEqual(['HARD_REBOOT', 'rebooting_hard', 'active', 1]);
    expect(brief(i, T0 + 500)).toEqual(['HARD_REBOOT', 'reboot_started_hard', 'active', 1]);
    expect(brief(i, T0 + 1000)).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('refuses SOFT while any reboot runs, with the task_state in the refusal', () => {
    const i = instance();
    i.requestReboot('SOFT', T0, knobs());
    expect(i.requestReboot('SOFT', T0 + 1, knobs())).toEqual({
      accepted: false,
      attr: 'task_state',
      state: 'rebooting',
    });
    expect(i.requestReboot('SOFT', T0 + 900, knobs())).toEqual({
      accepted: false,
      attr: 'task_state',
      state: 'reboot_started',
    });
    const hard = instance();
    hard.requestReboot('HARD', T0, knobs());
    expect(hard.requestReboot('SOFT', T0 + 1, knobs())).toEqual({
      accepted: false,
      attr: 'task_state',
      state: 'rebooting_hard',
    });
  });

  it('accepts HARD over a running SOFT (any phase) and restarts the run as HARD', () => {
    const i = instance();
    i.requestReboot('SOFT', T0, knobs());
    expect(i.requestReboot('HARD', T0 + 800, knobs())).toEqual({ accepted: true });
    expect(brief(i, T0 + 800)).toEqual(['HARD_REBOOT', 'rebooting_hard', 'active', 1]);
    expect(brief(i, T0 + 1500)).toEqual(['HARD_REBOOT', 'reboot_started_hard', 'active', 1]);
    expect(brief(i, T0 + 1800)).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('accepts HARD over rebooting_hard but refuses it once the host started it (task_states.ALLOW_REBOOT)', () => {
    const i = instance();
    i.requestReboot('HARD', T0, knobs());
    expect(i.requestReboot('HARD', T0 + 100, knobs())).toEqual({ accepted: true });
    expect(i.requestReboot('HARD', T0 + 350, knobs())).toEqual({
      accepted: false,
      attr: 'task_state',
      state: 'reboot_pending_hard',
    });
    expect(i.requestReboot('HARD', T0 + 500, knobs())).toEqual({
      accepted: false,
      attr: 'task_state',
      state: 'reboot_started_hard',
    });
  });

  it('refuses SOFT on SHUTOFF / ERROR / PAUSED servers by vm_state; HARD starts them', () => {
    for (const [status, vmState] of [
      ['SHUTOFF', 'stopped'],
      ['ERROR', 'error'],
      ['PAUSED', 'paused'],
    ]) {
      const i = instance(status);
      expect(i.requestReboot('SOFT', T0, knobs())).toEqual({ accepted: false, attr: 'vm_state', state: vmState });
      expect(i.requestReboot('HARD', T0, knobs())).toEqual({ accepted: true });
      // Nova's status map has no reboot entry for stopped/error: the status stays until the reboot ends.
      expect(i.view(T0 + 10, knobs()).status).toBe(status);
      expect(i.view(T0 + 10, knobs()).taskState).toBe('rebooting_hard');
      expect(brief(i, T0 + 1000)).toEqual(['ACTIVE', null, 'active', 1]);
    }
  });

  it('ends in ERROR (with a fault) or SHUTOFF when the knob says so', () => {
    const failing = instance();
    failing.requestReboot('SOFT', T0, knobs());
    const error = failing.view(T0 + 1000, knobs({ rebootEndsIn: 'ERROR' }));
    expect([error.status, error.taskState, error.vmState, error.powerState]).toEqual(['ERROR', null, 'error', 0]);
    expect(error.fault).toEqual({ code: 500, message: expect.stringContaining('reboot'), created: T0 + 1000 });
    const off = instance();
    off.requestReboot('HARD', T0, knobs());
    expect(brief(off, T0 + 1000, knobs({ rebootEndsIn: 'SHUTOFF' }))).toEqual(['SHUTOFF', null, 'stopped', 4]);
    expect(off.view(T0 + 1000, knobs()).fault).toBeUndefined();
  });

  it('hangs in reboot_started while rebootHangs is on, and ends once it is switched off', () => {
    const i = instance();
    i.requestReboot('SOFT', T0, knobs({ rebootHangs: true }));
    expect(brief(i, T0 + 3_600_000, knobs({ rebootHangs: true }))).toEqual(['REBOOT', 'reboot_started', 'active', 1]);
    expect(brief(i, T0 + 3_600_001, knobs())).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('escalates a SOFT reboot running past softEscalatesToHardAfterMs to HARD, which then runs its own duration', () => {
    const k = knobs({ softEscalatesToHardAfterMs: 400 });
    const i = instance();
    i.requestReboot('SOFT', T0, k);
    expect(brief(i, T0 + 399, k)).toEqual(['REBOOT', 'reboot_started', 'active', 1]);
    expect(brief(i, T0 + 400, k)).toEqual(['HARD_REBOOT', 'rebooting_hard', 'active', 1]);
    expect(i.view(T0 + 400, k).updatedAt).toBe(T0 + 400);
    expect(brief(i, T0 + 1399, k)).toEqual(['HARD_REBOOT', 'reboot_started_hard', 'active', 1]);
    expect(brief(i, T0 + 1400, k)).toEqual(['ACTIVE', null, 'active', 1]);
  });

  it('does not escalate a SOFT reboot that ends before the threshold; escalates a hanging one', () => {
    const quick = instance();
    quick.requestReboot('SOFT', T0, knobs({ softEscalatesToHardAfterMs: 5000 }));
    expect(brief(quick, T0 + 1000, knobs({ softEscalatesToHardAfterMs: 5000 }))).toEqual(['ACTIVE', null, 'active', 1]);
    const hung = instance();
    const k = knobs({ rebootHangs: true, softEscalatesToHardAfterMs: 5000 });
    hung.requestReboot('SOFT', T0, k);
    expect(brief(hung, T0 + 60_000, k)).toEqual(['HARD_REBOOT', 'reboot_started_hard', 'active', 1]);
  });

  it('records create and accepted reboot actions, newest first', () => {
    const i = instance();
    i.recordAction('reboot', 'req-1', T0 + 5, 'u');
    expect(i.listActions().map((a) => [a.action, a.requestId])).toEqual([
      ['reboot', 'req-1'],
      ['create', 'req-uuid-1'],
    ]);
  });
});

describe('statusFromState', () => {
  it('follows nova common._STATE_MAP for the states the simulator produces', () => {
    expect(statusFromState('active', null)).toBe('ACTIVE');
    expect(statusFromState('active', 'reboot_pending')).toBe('REBOOT');
    expect(statusFromState('active', 'reboot_pending_hard')).toBe('HARD_REBOOT');
    expect(statusFromState('stopped', null)).toBe('SHUTOFF');
    expect(statusFromState('stopped', 'rebooting_hard')).toBe('SHUTOFF');
    expect(statusFromState('error', 'rebooting_hard')).toBe('ERROR');
    expect(statusFromState('suspended', null)).toBe('SUSPENDED');
  });
});
