import { testServices } from '@oshift/testing';
import { describeFailure } from './chaos/chaos-report';
import { runSchedule } from './chaos/chaos-run';
import { scheduleFor } from './chaos/chaos-schedule';
import { CHAOS_SPEC_OPS, CHAOS_SPEC_SEEDS, CHAOS_WORKERS } from './chaos/chaos-seeds';
import { loadChaosEnvironment } from './chaos/chaos.config';

/**
 * Issue 19's seeded chaos run, on a fixed set of seeds: reboots, HARD reboots, rolling reboots, cancels and dry runs
 * by three users on a 3.x-named and an installer-named cluster, while workers are SIGKILLed (and come back with
 * their clocks 30 s off), Redis is flushed and Nova answers 5xx that did or did not act, proxy 502s, slow answers,
 * locks and ERROR. Every invariant is checked against the simulator's records. A failure prints the seed, the
 * violations and the schedule; `npm run chaos -- --seed N --ops M` replays it and shrinks it.
 */
describe('the seeded chaos run', () => {
  it.each(CHAOS_SPEC_SEEDS.map((seed) => [seed]))(
    'seed %i: no unsafe reboot, every job ends, every rolling reboot accounts for its nodes',
    async (seed) => {
      const schedule = scheduleFor(seed, CHAOS_SPEC_OPS);
      // A database of its own on the test run's server: no other spec's jobs for its reconciler to find.
      const server = new URL(testServices().databaseUrl);
      server.pathname = '/postgres';
      const outcome = await runSchedule(schedule, {
        environment: { ...loadChaosEnvironment(), adminDatabaseUrl: server.toString() },
        workers: CHAOS_WORKERS,
      });
      if (outcome.violations.length > 0)
        throw new Error(`${describeFailure(schedule, outcome.violations, CHAOS_SPEC_OPS)}\n${outcome.logs}`);
      expect(outcome.violations).toEqual([]);
      expect(outcome.jobs).toBeGreaterThan(0);
    },
    330000,
  );
});
