/**
 * The seeds `npm test` plays (apps/e2e/src/chaos.e2e-spec.ts), each a schedule of {@link CHAOS_SPEC_OPS} operations
 * against a freshly booted gateway, three workers and the simulator: the one place they are listed.
 */
export const CHAOS_SPEC_SEEDS: readonly number[] = [2, 4, 7];

/** Operations per seed in `npm test` (about a minute a seed on a 2-core machine when every job ends quickly). */
export const CHAOS_SPEC_OPS = 14;

/** Worker processes in every run. */
export const CHAOS_WORKERS = 3;
