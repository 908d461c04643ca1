import {
  ALLOW_HARD_REBOOT,
  ALLOW_REBOOT,
  ALLOW_SOFT_REBOOT,
  POWER_STATE,
  statusFromState,
  type TaskState,
  type VmState,
} from './nova-states';
import {
  heldTask,
  rebootPhase,
  type RebootRun,
  phaseOfTask,
  powerTask,
  snapshotTask,
  type ActionEvent,
  type InstanceActionRecord,
  type TimedTask,
} from './nova-tasks';
import type { SimKnobs } from './sim.types';

export { REBOOT_PHASES, type ActionEvent, type InstanceActionRecord, type RebootRun } from './nova-tasks';

// One simulated Nova instance: its states, Nova's acceptance rules for its actions, and what it recorded.

/** Knobs that drive a reboot. */
export type RebootKnobs = Pick<
  SimKnobs,
  'rebootDurationMs' | 'rebootHangs' | 'rebootEndsIn' | 'softEscalatesToHardAfterMs'
>;

/** Knobs that drive stop, start and snapshot. */
export type PowerKnobs = RebootKnobs & Pick<SimKnobs, 'powerActionDurationMs' | 'snapshotDurationMs'>;

/** Who asked for an action, for the instance action Nova records when it accepts it. */
export interface ActionContext {
  requestId: string;
  userId: string;
}

/** What Nova shows of an instance at one moment. */
export interface InstanceView {
  vmState: VmState;
  taskState: TaskState | null;
  powerState: number;
  status: string;
  updatedAt: number;
  locked: boolean;
  lockedReason: string | null;
  fault?: { code: number; message: string; created: number };
}

/**
 * Nova's answer to a request at the API: accepted, refused as locked (`InstanceIsLocked`), or refused as
 * `InstanceInvalidState(attr, state)`.
 */
export type RebootDecision =
  | { accepted: true }
  | { accepted: false; locked: true }
  | { accepted: false; attr: 'vm_state' | 'task_state'; state: string };

/** A period during which the instance was in a reboot task state (end null while it lasts). */
export interface RebootEpisode {
  start: number;
  end: number | null;
}

/**
 * One simulated Nova instance. Its state is derived from timestamps whenever it is read, so no timers run:
 * a reboot started at `t` is `rebooting` until `t + 20 % d`, then `reboot_pending`, `reboot_started`, and
 * settles at `t + d` into the state the knobs say. Acceptance follows nova/compute/api.py: `reboot` checks the
 * lock (`check_instance_lock`), then `_soft_reboot` / `_hard_reboot` their `check_instance_state` rules; `stop`,
 * `start` and `snapshot` likewise.
 */
export class NovaInstance {
  private vmState: VmState;
  private powerState: number;
  private updatedAt: number;
  private fault?: { code: number; message: string; created: number };
  private run?: RebootRun & { event: ActionEvent };
  private task?: TimedTask;
  private lockedBy: 'owner' | 'admin' | null = null;
  private lockedReason: string | null = null;
  private readonly actions: InstanceActionRecord[] = [];
  /** Reboot periods, oldest first. */
  readonly rebootEpisodes: RebootEpisode[] = [];
  /** The status each ended reboot period left the server in. */
  readonly rebootEndings = new Map<RebootEpisode, SimKnobs['rebootEndsIn']>();

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
    this.recordAction('create', `req-${id}`, createdAt, userId).events.push({
      event: 'compute__do_build_and_run_instance',
      startTime: createdAt,
      finishTime: createdAt + 8000,
      result: 'Success',
    });
  }

  /** Applies what has happened up to `now`: escalation of a slow SOFT reboot, end of a reboot or a task. */
  settle(now: number, knobs: RebootKnobs): void {
    const task = this.task;
    if (task && now >= task.endsAt) this.endTask(task);
    const run = this.run;
    if (!run) return;
    if (run.type === 'SOFT' && knobs.softEscalatesToHardAfterMs !== null) {
      const escalateAt = run.startedAt + knobs.softEscalatesToHardAfterMs;
      if (escalateAt < this.endOf(run, knobs) && now >= escalateAt) {
        this.run = { type: 'HARD', startedAt: escalateAt, event: run.event };
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
    let taskState: TaskState | null = null;
    let updatedAt = this.updatedAt;
    const phase = this.run ? rebootPhase(this.run, now, knobs) : this.task ? phaseOfTask(this.task, now) : null;
    if (phase) {
      taskState = phase.taskState;
      updatedAt = Math.max(updatedAt, phase.since);
    }
    const view: InstanceView = {
      vmState: this.vmState,
      taskState,
      powerState: this.powerState,
      status: statusFromState(this.vmState, taskState),
      updatedAt,
      locked: this.lockedBy !== null,
      lockedReason: this.lockedReason,
    };
    if (this.vmState === 'error' && this.fault) view.fault = { ...this.fault };
    return view;
  }

  /** Nova's decision on a reboot request at `now`; an accepted one starts (or, HARD over a reboot, restarts) the run. */
  requestReboot(type: 'SOFT' | 'HARD', now: number, knobs: RebootKnobs, by?: ActionContext): RebootDecision {
    // _soft_reboot: vm_state ALLOW_SOFT_REBOOT, task_state [None]; _hard_reboot: ALLOW_HARD_REBOOT, ALLOW_REBOOT
    const soft = type === 'SOFT';
    const refusal = this.check(now, knobs, soft ? ALLOW_SOFT_REBOOT : ALLOW_HARD_REBOOT, soft ? [null] : ALLOW_REBOOT);
    if (refusal) return refusal;
    if (this.run) closeEvent(this.run.event, now, 'Success');
    else this.rebootEpisodes.push({ start: now, end: null });
    this.task = undefined;
    this.run = {
      type,
      startedAt: now,
      event: newEvent(this.record(by, 'reboot', now), 'compute_reboot_instance', now),
    };
    this.updatedAt = now;
    return { accepted: true };
  }

  /** `os-stop` / `os-start` (API.stop: vm_state active or error; API.start: stopped; both task_state None). */
  requestPower(kind: 'stop' | 'start', now: number, knobs: PowerKnobs, by?: ActionContext): RebootDecision {
    const refusal = this.check(now, knobs, kind === 'stop' ? ['active', 'error'] : ['stopped'], [null]);
    if (refusal) return refusal;
    const event = newEvent(this.record(by, kind, now), `compute_${kind}_instance`, now);
    this.task = powerTask(kind, now, knobs.powerActionDurationMs, event);
    this.updatedAt = now;
    return { accepted: true };
  }

  /** `createImage` (API.snapshot: vm_state active, stopped, paused or suspended; task_state None; no lock check). */
  requestSnapshot(now: number, knobs: PowerKnobs, by?: ActionContext): RebootDecision {
    const refusal = this.check(now, knobs, ['active', 'stopped', 'paused', 'suspended'], [null], false);
    if (refusal) return refusal;
    const event = newEvent(this.record(by, 'createImage', now), 'compute_snapshot_instance', now);
    this.task = snapshotTask(now, knobs.snapshotDurationMs, event);
    this.updatedAt = now;
    return { accepted: true };
  }

  /** Holds the instance in `state` for `forMs` (null: until cleared); `state` null clears a held or running task. */
  holdTask(state: TaskState | null, now: number, knobs: RebootKnobs, forMs: number | null): void {
    this.settle(now, knobs);
    if (this.run) this.finish(now, 'ACTIVE');
    if (this.task?.event) closeEvent(this.task.event, now, 'Success');
    this.task = state === null ? undefined : heldTask(state, now, forMs);
    this.updatedAt = now;
  }

  /** Locks (API.lock: by the owner, or by an admin) or unlocks (`by` null) the instance. */
  setLock(by: 'owner' | 'admin' | null, reason: string | null = null): void {
    this.lockedBy = by;
    this.lockedReason = by === null ? null : reason;
  }

  /** Who holds the lock. */
  get lockHolder(): 'owner' | 'admin' | null {
    return this.lockedBy;
  }

  /** Records an action as Nova's `_record_action_start` does, and returns it (its events are added to it). */
  recordAction(action: string, requestId: string, at: number, userId: string): InstanceActionRecord {
    const record = { action, requestId, startTime: at, userId, projectId: this.projectId, events: [] };
    this.actions.push(record);
    return record;
  }

  /** Recorded actions, newest first. */
  listActions(): InstanceActionRecord[] {
    return [...this.actions].reverse();
  }

  private record(by: ActionContext | undefined, action: string, now: number): InstanceActionRecord | undefined {
    return by && this.recordAction(action, by.requestId, now, by.userId);
  }

  /** check_instance_lock (when `lockChecked`) then check_instance_state(vm_state, task_state). */
  private check(
    now: number,
    knobs: RebootKnobs,
    vmStates: readonly VmState[],
    taskStates: readonly (string | null)[],
    lockChecked = true,
  ): RebootDecision | null {
    const { vmState, taskState } = this.view(now, knobs);
    if (lockChecked && this.lockedBy) return { accepted: false, locked: true };
    if (!vmStates.includes(vmState)) return { accepted: false, attr: 'vm_state', state: vmState };
    if (!taskStates.includes(taskState)) return { accepted: false, attr: 'task_state', state: String(taskState) };
    return null;
  }

  private endTask(task: TimedTask): void {
    this.task = undefined;
    this.updatedAt = task.endsAt;
    if (task.event) closeEvent(task.event, task.endsAt, 'Success');
    if (task.endsIn) this.setPower(task.endsIn === 'active' ? 'active' : 'stopped');
  }

  private endOf(run: RebootRun, knobs: RebootKnobs): number {
    return knobs.rebootHangs ? Number.POSITIVE_INFINITY : run.startedAt + knobs.rebootDurationMs;
  }

  private finish(at: number, outcome: SimKnobs['rebootEndsIn']): void {
    if (this.run) closeEvent(this.run.event, at, outcome === 'ACTIVE' ? 'Success' : 'Error');
    this.run = undefined;
    this.updatedAt = at;
    const episode = this.rebootEpisodes[this.rebootEpisodes.length - 1];
    if (episode && episode.end === null) {
      episode.end = at;
      this.rebootEndings.set(episode, outcome);
    }
    if (outcome !== 'ERROR') return this.setPower(outcome === 'ACTIVE' ? 'active' : 'stopped');
    this.vmState = 'error';
    this.powerState = POWER_STATE.NOSTATE;
    this.fault = {
      code: 500,
      message: 'Simulated failure: the instance did not come back from its reboot',
      created: at,
    };
  }

  private setPower(vmState: 'active' | 'stopped'): void {
    this.vmState = vmState;
    this.powerState = vmState === 'active' ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN;
    this.fault = undefined;
  }
}

function newEvent(action: InstanceActionRecord | undefined, name: string, now: number): ActionEvent {
  const event: ActionEvent = { event: name, startTime: now, finishTime: null, result: null };
  action?.events.push(event);
  return event;
}

function closeEvent(event: ActionEvent, at: number, result: 'Success' | 'Error'): void {
  if (event.finishTime !== null) return;
  event.finishTime = at;
  event.result = result;
}
