import type { RebootTaskState, TaskState } from './nova-states';
import type { SimKnobs } from './sim.types';

/**
 * Tasks of a simulated Nova instance (reboot phases, snapshot, stop, start, or a task state held by the admin API),
 * as timestamps: the task state at any moment is derived from them, so no timers run.
 */

/** An event of an instance action, as nova/compute/manager.py `wrap_instance_event` records it. */
export interface ActionEvent {
  event: string;
  startTime: number;
  finishTime: number | null;
  result: 'Success' | 'Error' | null;
}

/** One recorded instance action (os-instance-actions), with its events. */
export interface InstanceActionRecord {
  action: string;
  requestId: string;
  startTime: number;
  userId: string;
  projectId: string;
  events: ActionEvent[];
}

/** A task that is not a reboot. */
export interface TimedTask {
  /** Task states from the moment they start, ascending; the first starts with the task. */
  phases: { state: TaskState; at: number }[];
  /** When the task state clears (Infinity: held until the admin API clears it). */
  endsAt: number;
  /** vm_state the instance is left in; unchanged when absent. */
  endsIn?: 'active' | 'stopped';
  /** The compute event of the action that started it, finished when the task ends. */
  event?: ActionEvent;
}

/**
 * `createImage` as nova/compute/api.py `snapshot` and the compute manager run it: `image_snapshot_pending` (API),
 * `image_snapshot` while the hypervisor snapshots, then `image_pending_upload` and `image_uploading`. Returns the
 * task and when the upload starts (the image turns from `queued` to `saving`).
 */
export function snapshotTask(now: number, durationMs: number, event: ActionEvent): TimedTask {
  const at = (share: number) => now + Math.round(durationMs * share);
  return {
    phases: [
      { state: 'image_snapshot_pending', at: now },
      // The compute host picks the snapshot up within moments (at most 500 ms here).
      { state: 'image_snapshot', at: Math.min(at(0.05), now + 500) },
      { state: 'image_pending_upload', at: at(0.7) },
      { state: 'image_uploading', at: at(0.75) },
    ],
    endsAt: now + durationMs,
    event,
  };
}

/** The moment a snapshot started at `now` begins its upload (see {@link snapshotTask}). */
export function snapshotUploadAt(now: number, durationMs: number): number {
  return now + Math.round(durationMs * 0.75);
}

/** `os-stop` / `os-start`: `powering-off` / `powering-on`, then SHUTOFF / ACTIVE. */
export function powerTask(kind: 'stop' | 'start', now: number, durationMs: number, event: ActionEvent): TimedTask {
  return {
    phases: [{ state: kind === 'stop' ? 'powering-off' : 'powering-on', at: now }],
    endsAt: now + durationMs,
    endsIn: kind === 'stop' ? 'stopped' : 'active',
    event,
  };
}

/** A task state the admin API holds an instance in, for `forMs` (null: until cleared). */
export function heldTask(state: TaskState, now: number, forMs: number | null): TimedTask {
  return { phases: [{ state, at: now }], endsAt: forMs === null ? Number.POSITIVE_INFINITY : now + forMs };
}

/** The task state of `task` at `now`, and since when. */
export function phaseOfTask(task: TimedTask, now: number): { taskState: TaskState; since: number } {
  let current = task.phases[0];
  for (const phase of task.phases) if (phase.at <= now) current = phase;
  return { taskState: current.state, since: current.at };
}

/** A reboot in progress. */
export interface RebootRun {
  type: 'SOFT' | 'HARD';
  startedAt: number;
}

/**
 * Where a reboot is, as fractions of its duration: the API's `rebooting` until the compute host picks it up
 * (first 20 %), `reboot_pending` (next 10 %), then `reboot_started` until it ends (or forever when it hangs).
 */
export const REBOOT_PHASES = { pendingAt: 0.2, startedAt: 0.3 } as const;

/** The task state of a reboot at `now`, and since when. */
export function rebootPhase(
  run: RebootRun,
  now: number,
  knobs: Pick<SimKnobs, 'rebootDurationMs'>,
): { taskState: RebootTaskState; since: number } {
  const d = knobs.rebootDurationMs;
  const pendingAt = run.startedAt + d * REBOOT_PHASES.pendingAt;
  const startedAt = run.startedAt + d * REBOOT_PHASES.startedAt;
  const hard = run.type === 'HARD';
  if (now < pendingAt) return { taskState: hard ? 'rebooting_hard' : 'rebooting', since: run.startedAt };
  if (now < startedAt)
    return { taskState: hard ? 'reboot_pending_hard' : 'reboot_pending', since: Math.round(pendingAt) };
  return { taskState: hard ? 'reboot_started_hard' : 'reboot_started', since: Math.round(startedAt) };
}
