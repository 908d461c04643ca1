import type { Violation } from './chaos-checker';
import { scheduleFor } from './chaos-schedule';
import { relevantSteps, shrinkSchedule } from './chaos-shrink';

const violation = (steps: number[]): Violation => ({
  rule: 'rebooted-twice',
  cluster: 'installer',
  message: 'x rebooted 2 times',
  steps,
});

describe('shrinking a failing chaos schedule', () => {
  const schedule = scheduleFor(4, 30);

  it('keeps the named steps, the faults on their nodes, worker kills and flushes', () => {
    const named = schedule.steps.find((step) => step.kind === 'reboot')!;
    const kept = relevantSteps(schedule, [violation([named.id])]);
    expect(kept.map((step) => step.id)).toContain(named.id);
    for (const step of kept) {
      if (step.id === named.id || step.kind === 'kill-worker' || step.kind === 'redis-flushall') continue;
      expect(step).toMatchObject({ kind: 'fault', node: (named as { node: string }).node });
    }
  });

  it('finds the two steps a failure needs within its budget, offsets from zero, and counts its runs', async () => {
    const [a, b] = [schedule.steps[5], schedule.steps[17]];
    const runner = async (candidate: typeof schedule) => {
      const ids = candidate.steps.map((step) => step.id);
      return ids.includes(a.id) && ids.includes(b.id) ? [violation([])] : [];
    };
    const shrunk = await shrinkSchedule(schedule, [violation([a.id, b.id])], runner, 40);
    expect(shrunk.schedule.steps.map((step) => step.id)).toEqual([a.id, b.id]);
    expect(shrunk.schedule.steps[0].at).toBe(0);
    expect(shrunk.schedule.steps[1].at).toBe(b.at - a.at);
    expect(shrunk.runs).toBeLessThanOrEqual(40);
  });

  it('stops at its budget with the smallest schedule that failed so far', async () => {
    const shrunk = await shrinkSchedule(schedule, [violation([])], async () => [], 3);
    expect(shrunk.runs).toBe(3);
    expect(shrunk.schedule).toBe(schedule);
  });
});
