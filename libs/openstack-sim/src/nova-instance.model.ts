import {
  ALLOW_HARD_REBOOT,
  ALLOW_REBOOT,
  ALLOW_SOFT_REBOOT,
  POWER_STATE,
  statusFromState,
  type RebootTaskState,
  type VmState,
} from './nova-states';
import type { SimKnobs } from './sim.types';

/** Knobs that drive a reboot. */
export type RebootKnobs = Pick<
  SimKnobs,
  'rebootDurationMs' | 'rebootHangs' | 'rebootEndsIn' | 'softEscalatesToHardAfterMs'
>;

/** A reboot in progress. */
export interface RebootRun {
  type: 'SOFT' | 'HARD';
  startedAt: number;
}

/** What Nova shows of an instance at one moment. */
export interface InstanceView {
  vmState: VmState;
  taskState: RebootTaskState | null;
  powerState: number;
  status: string;
  updatedAt: number;
  fault?: { code: number; message: string; created: number };
}

/** Nova's answer to a reboot request: accepted, or refused as `InstanceInvalidState(attr, state)`. */
export type RebootDecision = { accepted: true } | { accepted: false; attr: 'vm_state' | 'task_state'; state: string };

/** One recorded instance action (os-instance-actions). */
export interface InstanceActionRecord {
  action: string;
  requestId: string;
  startTime: number;
  userId: string;
  projectId: string;
}

/**
 * Where a reboot is, as fractions of its duration: the API's `rebooting` until the compute host picks it up
 * (first 20 %), `reboot_pending` (next 10 %), then `reboot_started` until it ends (or forever when it hangs).
 */
export const REBOOT_PHASES = { pendingAt: 0.2, startedAt: 0.3 } as const;

/**
 * One simulated Nova instance. Its state is derived from timestamps whenever it is read, so no timers run:
 * a reboot started at `t` is `rebooting` until `t + 20 % d`, then `reboot_pending`, `reboot_started`, and
 * settles at `t + d` into the state the knobs say. Reboot acceptance follows nova/compute/api.py `reboot`,
 * `_soft_reboot` and `_hard_reboot` with their `check_instance_state` rules.
 */
export class NovaInstance {
  private vmState: VmState;
  private powerState: number;
  private updatedAt: number;
  private fault?: { code: number; message: string; created: number };
  private run?: RebootRun;
  private readonly actions: InstanceActionRecord[] = [];

  constructor(
    readonly id: string,
    readonly name: string,
    readonly projectId: string,
    readonly userId: string,
    readonly createdAt: number,
    initial: { vmState: VmState; powerState: number },
  ) {
    this.vmState = initial.vmState;
    this.powerState = initial.powerState;
    this.updatedAt = createdAt;
    if (initial.vmState === 'error')
      this.fault = { code: 500, message: 'Simulated failure at creation', created: createdAt };
    this.actions.push({ action: 'create', requestId: `req-${id}`, startTime: createdAt, userId, projectId });
  }

  /** Applies what has happened up to `now`: escalation of a slow SOFT reboot, end of a reboot. */
  settle(now: number, knobs: RebootKnobs): void {
    const run = this.run;
    if (!run) return;
    if (run.type === 'SOFT' && knobs.softEscalatesToHardAfterMs !== null) {
      const escalateAt = run.startedAt + knobs.softEscalatesToHardAfterMs;
      if (escalateAt < this.endOf(run, knobs) && now >= escalateAt) {
        this.run = { type: 'HARD', startedAt: escalateAt };
        this.updatedAt = escalateAt;
        this.settle(now, knobs);
        return;
      }
    }
    const end = this.endOf(run, knobs);
    if (now >= end) this.finish(end, knobs.rebootEndsIn);
  }

  /** The instance as Nova would show it at `now`. */
  view(now: number, knobs: RebootKnobs): InstanceView {
    this.settle(now, knobs);
    let taskState: RebootTaskState | null = null;
    let updatedAt = this.updatedAt;
    if (this.run) {
      const phase = this.phaseOf(this.run, now, knobs);
      taskState = phase.taskState;
      updatedAt = Math.max(updatedAt, phase.since);
    }
    const view: InstanceView = {
      vmState: this.vmState,
      taskState,
      powerState: this.powerState,
      status: statusFromState(this.vmState, taskState),
      updatedAt,
    };
    if (this.vmState === 'error' && this.fault) view.fault = { ...this.fault };
    return view;
  }

  /** Nova's decision on a reboot request at `now`; an accepted one starts (or, HARD over a reboot, restarts) the run. */
  requestReboot(type: 'SOFT' | 'HARD', now: number, knobs: RebootKnobs): RebootDecision {
    const { vmState, taskState } = this.view(now, knobs);
    // API.reboot: @check_instance_state(vm_state=ALLOW_SOFT_REBOOT + ALLOW_HARD_REBOOT, task_state=ALLOW_REBOOT list)
    if (!ALLOW_HARD_REBOOT.includes(vmState)) return { accepted: false, attr: 'vm_state', state: vmState };
    if (!ALLOW_REBOOT.includes(taskState)) return { accepted: false, attr: 'task_state', state: String(taskState) };
    if (type === 'SOFT') {
      // _soft_reboot: @check_instance_state(vm_state=ALLOW_SOFT_REBOOT, task_state=[None])
      if (!ALLOW_SOFT_REBOOT.includes(vmState)) return { accepted: false, attr: 'vm_state', state: vmState };
      if (taskState !== null) return { accepted: false, attr: 'task_state', state: taskState };
    }
    // _hard_reboot: @check_instance_state(vm_state=ALLOW_HARD_REBOOT, task_state=ALLOW_REBOOT): checked above.
    this.run = { type, startedAt: now };
    this.updatedAt = now;
    return { accepted: true };
  }

  /** Records an action as Nova's `_record_action_start` does. */
  recordAction(action: string, requestId: string, at: number, userId: string): void {
    this.actions.push({ action, requestId, startTime: at, userId, projectId: this.projectId });
  }

  /** Recorded actions, newest first. */
  listActions(): InstanceActionRecord[] {
    return [...this.actions].reverse();
  }

  private endOf(run: RebootRun, knobs: RebootKnobs): number {
    return knobs.rebootHangs ? Number.POSITIVE_INFINITY : run.startedAt + knobs.rebootDurationMs;
  }

  private phaseOf(run: RebootRun, now: number, knobs: RebootKnobs): { taskState: RebootTaskState; since: number } {
    const d = knobs.rebootDurationMs;
    const pendingAt = run.startedAt + d * REBOOT_PHASES.pendingAt;
    const startedAt = run.startedAt + d * REBOOT_PHASES.startedAt;
    const hard = run.type === 'HARD';
    if (now < pendingAt) return { taskState: hard ? 'rebooting_hard' : 'rebooting', since: run.startedAt };
    if (now < startedAt)
      return { taskState: hard ? 'reboot_pending_hard' : 'reboot_pending', since: Math.round(pendingAt) };
    return { taskState: hard ? 'reboot_started_hard' : 'reboot_started', since: Math.round(startedAt) };
  }

  private finish(at: number, outcome: SimKnobs['rebootEndsIn']): void {
    this.run = undefined;
    this.updatedAt = at;
    if (outcome === 'ACTIVE') {
      this.vmState = 'active';
      this.powerState = POWER_STATE.RUNNING;
      this.fault = undefined;
    } else if (outcome === 'SHUTOFF') {
      this.vmState = 'stopped';
      this.powerState = POWER_STATE.SHUTDOWN;
      this.fault = undefined;
    } else {
      this.vmState = 'error';
      this.powerState = POWER_STATE.NOSTATE;
      this.fault = {
        code: 500,
        message: 'Simulated failure: the instance did not come back from its reboot',
        created: at,
      };
    }
  }
}
