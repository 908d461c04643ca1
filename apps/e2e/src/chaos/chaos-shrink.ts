import type { Violation } from './chaos-checker';
import { chaosCluster, type ChaosSchedule, type ChaosStep, plannedNodes } from './chaos-schedule';

/** Runs a schedule and answers what it violated. */
export type ScheduleRunner = (schedule: ChaosSchedule) => Promise<Violation[]>;

/**
 * The steps the violations name, with what can have caused them: worker kills, Redis flushes, and faults on the
 * nodes those steps reboot.
 */
export function relevantSteps(schedule: ChaosSchedule, violations: Violation[]): ChaosStep[] {
  const named = new Set(violations.flatMap((violation) => violation.steps));
  const nodes = new Set(
    schedule.steps
      .filter((step) => named.has(step.id))
      .flatMap((step) => {
        if (step.kind === 'reboot' || step.kind === 'dry-run') return [`${step.cluster}/${step.node}`];
        if (step.kind === 'rolling')
          return plannedNodes(chaosCluster(step.cluster), step.role).map((node) => `${step.cluster}/${node}`);
        return [];
      }),
  );
  return schedule.steps.filter(
    (step) =>
      named.has(step.id) ||
      step.kind === 'kill-worker' ||
      step.kind === 'redis-flushall' ||
      (step.kind === 'fault' && nodes.has(`${step.cluster}/${step.node}`)) ||
      (step.kind === 'cancel' && named.has(step.step)),
  );
}

/** The same steps, moved so that the first starts at 0 (offsets between them unchanged). */
export function fromZero(schedule: ChaosSchedule, steps: ChaosStep[]): ChaosSchedule {
  const first = steps[0]?.at ?? 0;
  return { seed: schedule.seed, steps: steps.map((step) => ({ ...step, at: step.at - first })) };
}

/**
 * The smallest schedule found that still violates one of the rules the original violated, within `budget` runs:
 * first only the steps involved, then delta debugging (drop halves, quarters, … of the steps, keeping each drop
 * after which a violation of those rules remains). Every run boots a fresh system, so each try costs a full run.
 */
export async function shrinkSchedule(
  schedule: ChaosSchedule,
  violations: Violation[],
  run: ScheduleRunner,
  budget: number,
  log: (line: string) => void = () => undefined,
): Promise<{ schedule: ChaosSchedule; violations: Violation[]; runs: number }> {
  const rules = new Set(violations.map((violation) => violation.rule));
  let best = { schedule, violations };
  let runs = 0;
  const stillFails = async (candidate: ChaosSchedule): Promise<boolean> => {
    runs += 1;
    const found = (await run(candidate)).filter((violation) => rules.has(violation.rule));
    log(`shrink try ${runs}/${budget}: ${candidate.steps.length} steps → ${found.length} violation(s)`);
    if (found.length === 0) return false;
    best = { schedule: candidate, violations: found };
    return true;
  };

  const focused = fromZero(schedule, relevantSteps(schedule, violations));
  if (runs < budget && focused.steps.length < schedule.steps.length) await stillFails(focused);

  let chunks = 2;
  while (runs < budget && best.schedule.steps.length > 1) {
    const steps = best.schedule.steps;
    const size = Math.ceil(steps.length / chunks);
    let dropped = false;
    for (let start = 0; start < steps.length && runs < budget; start += size) {
      const kept = [...steps.slice(0, start), ...steps.slice(start + size)];
      if (kept.length === 0) continue;
      if (await stillFails(fromZero(schedule, kept))) {
        dropped = true;
        break;
      }
    }
    if (dropped) chunks = Math.max(2, chunks - 1);
    else if (size === 1) break;
    else chunks = Math.min(steps.length, chunks * 2);
  }
  return { ...best, runs };
}
