import type { NovaServer } from '@oshift/openstack-client';
import { planRebootStep, type StepFacts } from './reboot-step';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const settings = { softRebootTimeoutMs: 60_000, confirmWindowMs: 30_000, sendMarginMs: 10_000 };
const server = (status: string, taskState: string | null = null): NovaServer => ({
  id: 's',
  name: 'n',
  status,
  taskState,
  vmState: null,
  powerState: null,
});
const facts = (overrides: Partial<StepFacts> = {}): StepFacts => ({
  now: NOW,
  deadlineAt: NOW + 600_000,
  node: 'worker-0',
  progress: { type: 'SOFT', attemptedAt: null, sentAt: null },
  server: null,
  reachedNova: false,
  ...overrides,
});
const plan = (overrides: Partial<StepFacts>) => planRebootStep(facts(overrides), settings);

describe('planRebootStep', () => {
  it('sends the requested reboot first, unless the deadline is closer than one POST', () => {
    expect(plan({})).toEqual({ do: 'send', type: 'SOFT', escalation: false });
    expect(plan({ progress: { type: 'HARD', attemptedAt: null, sentAt: null } })).toMatchObject({ type: 'HARD' });
    expect(plan({ deadlineAt: NOW + 10_000 })).toMatchObject({ do: 'fail' });
    expect(plan({ deadlineAt: null })).toMatchObject({ do: 'send' });
  });

  describe('a reboot in doubt', () => {
    const doubt = { type: 'SOFT' as const, attemptedAt: NOW - 5000, sentAt: null };
    it('is confirmed when Nova shows it, else waited for until the window ends, then sent again', () => {
      expect(plan({ progress: doubt, reachedNova: true })).toEqual({ do: 'confirm' });
      expect(plan({ progress: doubt, server: server('ACTIVE') })).toEqual({ do: 'poll' });
      const old = { ...doubt, attemptedAt: NOW - 30_000 };
      expect(plan({ progress: old, server: server('ACTIVE') })).toEqual({
        do: 'send',
        type: 'SOFT',
        escalation: false,
      });
      expect(plan({ progress: old, server: server('ACTIVE'), deadlineAt: NOW + 5000 })).toMatchObject({ do: 'fail' });
      expect(plan({ progress: doubt, deadlineAt: NOW - 1 })).toMatchObject({ do: 'fail' });
    });

    it('of an escalation is dropped once the SOFT reboot is no longer running, resent only over a running one', () => {
      const escalation = { type: 'HARD' as const, attemptedAt: NOW - 40_000, sentAt: NOW - 100_000 };
      expect(plan({ progress: escalation, server: server('ACTIVE') })).toEqual({ do: 'dropEscalation' });
      expect(plan({ progress: escalation, server: server('ERROR') })).toEqual({ do: 'dropEscalation' });
      expect(plan({ progress: escalation, server: server('REBOOT', 'reboot_started') })).toEqual({
        do: 'send',
        type: 'HARD',
        escalation: true,
      });
      expect(plan({ progress: escalation, server: null })).toEqual({ do: 'send', type: 'HARD', escalation: true });
    });
  });

  describe('a reboot sent', () => {
    const sent = { type: 'SOFT' as const, attemptedAt: NOW - 61_000, sentAt: NOW - 61_000 };
    it('ends Done when back, Fail when it cannot end well, escalates a SOFT one that overran', () => {
      expect(plan({ progress: sent, server: server('ACTIVE') })).toEqual({ do: 'done' });
      expect(plan({ progress: sent, server: server('SHUTOFF') })).toMatchObject({ do: 'fail' });
      expect(plan({ progress: sent, server: server('REBOOT', 'reboot_started') })).toMatchObject({ type: 'HARD' });
      expect(plan({ progress: sent, server: server('HARD_REBOOT', 'reboot_started_hard') })).toEqual({ do: 'poll' });
    });

    it('never escalates closer to the deadline than one POST, and fails at the deadline', () => {
      const late = { progress: sent, server: server('REBOOT', 'reboot_started'), deadlineAt: NOW + 5000 };
      expect(plan(late)).toEqual({ do: 'poll' });
      expect(plan({ ...late, deadlineAt: NOW })).toMatchObject({ do: 'fail' });
      expect(plan({ progress: sent, server: null, deadlineAt: NOW })).toEqual({
        do: 'fail',
        reason:
          "Deadline passed: a SOFT reboot was sent to worker-0 but OpenStack stopped answering about it. Check the node's status.",
      });
      expect(plan({ progress: sent, server: null })).toEqual({ do: 'poll' });
    });
  });
});
