import type { Violation } from './chaos-checker';
import type { ChaosSchedule } from './chaos-schedule';

/** How to run a seed again, or replay a schedule written to `file`. */
export function replayCommand(schedule: ChaosSchedule, ops: number, file?: string): string {
  if (file) return `npm run chaos -- --schedule ${file}`;
  return `npm run chaos -- --seed ${schedule.seed} --ops ${ops}`;
}

/** A failure as people read it: the seed, each violation, and the schedule (one step a line). */
export function describeFailure(schedule: ChaosSchedule, violations: Violation[], ops: number): string {
  return [
    `seed ${schedule.seed ?? '(replayed schedule)'}: ${violations.length} violation(s)`,
    ...violations.map((violation) => `  [${violation.rule}] ${violation.cluster}: ${violation.message}`),
    `schedule (${schedule.steps.length} steps; replay: ${replayCommand(schedule, ops)}):`,
    formatSchedule(schedule),
  ].join('\n');
}

/** A schedule as JSON with one step a line (what `--schedule` reads back). */
export function formatSchedule(schedule: ChaosSchedule): string {
  const steps = schedule.steps.map((step) => `    ${JSON.stringify(step)}`).join(',\n');
  return `{\n  "seed": ${JSON.stringify(schedule.seed)},\n  "steps": [\n${steps}\n  ]\n}`;
}
