import { randomUUID } from 'node:crypto';
import type { NovaInstance } from './nova-instance.model';
import type { NodeRole } from './sim-stats';

// A simulated cluster node: its readiness and boot ids, derived from its Nova instance's reboot periods (no timers).

/** A period during which a node was not `Ready`; `end` (the moment it turned `Ready`) null while it lasts. */
export interface NotReadyPeriod {
  start: number;
  end: number | null;
}

/** The node's `Ready` condition at one moment. */
export interface NodeReadiness {
  ready: boolean;
  /** When the condition last changed (the node's creation when it never did). */
  since: number;
  /** Boots of the node so far: 0 for the first, one more at each reboot that ended `ACTIVE`. */
  boots: number;
  bootId: string;
}

/**
 * A Kubernetes node backed by a Nova instance. It is not `Ready` from the moment Nova accepted a reboot or a stop
 * (or whenever its VM is not `ACTIVE`) until `nodeReadyDelayMs` after a reboot or a start left it `ACTIVE` again,
 * and each such boot gives it a new `bootID`, as the kubelet reports. The delay of each boot is fixed the first time the node
 * is looked at after it (every knob change looks first), so a knob change never rewrites the past.
 */
export class KubeNode {
  /** `spec.unschedulable`, set by cordon / uncordon. */
  unschedulable = false;
  readonly uid = randomUUID();
  private readonly bootIds: string[] = [randomUUID()];
  private readonly readyAt = new Map<object, number>();

  constructor(
    readonly instance: NovaInstance,
    readonly role: NodeRole,
  ) {}

  get name(): string {
    return this.instance.name;
  }

  /**
   * The periods the node was not `Ready`, oldest first, up to `now`. `vmActive` tells whether Nova shows the VM
   * `ACTIVE` now (the instance settled to `now`); `delayMs` is the delay knob in force.
   */
  notReadyPeriods(now: number, delayMs: number, vm: { active: boolean; since: number }): NotReadyPeriod[] {
    const periods: { start: number; end: number }[] = [];
    let open: number | null = null;
    for (const change of this.powerChanges(now)) {
      if (!change.up) {
        open ??= change.at;
        continue;
      }
      let readyAt = this.readyAt.get(change.key);
      if (readyAt === undefined) {
        readyAt = change.at + delayMs;
        this.readyAt.set(change.key, readyAt);
      }
      // A start of a VM that was never up here (created stopped) ends a period that began with the node.
      periods.push({ start: open ?? this.instance.createdAt, end: readyAt });
      open = null;
    }
    if (open !== null) periods.push({ start: open, end: Number.POSITIVE_INFINITY });
    // A reboot accepted while the node was still coming back from the last one extends the period it is in.
    const merged: { start: number; end: number }[] = [];
    for (const period of periods) {
      const last = merged.at(-1);
      if (last && period.start <= last.end) last.end = Math.max(last.end, period.end);
      else merged.push({ ...period });
    }
    // A VM that is not ACTIVE for another reason (stopped, error, paused) keeps its node not Ready.
    const last = merged.at(-1);
    if (!vm.active && (!last || last.end <= now))
      merged.push({ start: Math.max(vm.since, last?.end ?? vm.since), end: Number.POSITIVE_INFINITY });
    return merged.map((p) => ({ start: p.start, end: p.end > now ? null : p.end }));
  }

  /** Whether the node is `Ready` at `now`, since when, and its boot id. */
  readiness(now: number, createdAt: number, delayMs: number, vm: { active: boolean; since: number }): NodeReadiness {
    const periods = this.notReadyPeriods(now, delayMs, vm);
    const last = periods.at(-1);
    const boots = this.bootsUntil(now);
    while (this.bootIds.length <= boots) this.bootIds.push(randomUUID());
    const bootId = this.bootIds[boots];
    if (last && last.end === null) return { ready: false, since: last.start, boots, bootId };
    return { ready: true, since: last?.end ?? createdAt, boots, bootId };
  }

  /** Boots by `now`: each reboot that ended `ACTIVE` and each `os-start` that powered the VM on. */
  private bootsUntil(now: number): number {
    return this.powerChanges(now).filter((change) => change.up).length;
  }

  /**
   * When the VM went down (a reboot accepted, an `os-stop` accepted) and came up (a reboot ended `ACTIVE`, an
   * `os-start` finished) up to `now`, in order; a reboot that ended in ERROR or SHUTOFF keeps it down until a later
   * one brings it back. `key` identifies a boot, to fix its Ready delay once.
   */
  private powerChanges(now: number): { at: number; up: boolean; key: object }[] {
    const changes: { at: number; up: boolean; key: object }[] = [];
    for (const episode of this.instance.rebootEpisodes) {
      changes.push({ at: episode.start, up: false, key: episode });
      if (episode.end !== null && this.instance.rebootEndings.get(episode) === 'ACTIVE')
        changes.push({ at: episode.end, up: true, key: episode });
    }
    for (const action of this.instance.listActions()) {
      const event = action.events[0];
      if (action.action === 'stop') changes.push({ at: action.startTime, up: false, key: action });
      if (action.action === 'start' && event?.finishTime != null && event.result === 'Success')
        changes.push({ at: event.finishTime, up: true, key: event });
    }
    return changes.filter((change) => change.at <= now).sort((a, b) => a.at - b.at || Number(a.up) - Number(b.up));
  }
}
