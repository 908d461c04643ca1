import { readProbe } from './proc-stats';

/**
 * What `bench/round-trips.preload.cjs` counted so far in process `pid` (SIGWINCH makes it write
 * `round-trips-<pid>.json` in the working directory): Postgres statements and Redis commands by name.
 */
export function roundTrips(pid: number): Promise<Record<string, number>> {
  return readProbe(pid, `${process.cwd()}/round-trips-${pid}.json`);
}

/** Each name's count from `before` to `after`, per `unit` (a request, a job), those above zero. */
export function perUnit(
  before: Record<string, number>,
  after: Record<string, number>,
  units: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, n]) => [name, Math.round(((n - (before[name] ?? 0)) / units) * 100) / 100] as const)
      .filter(([, n]) => n > 0),
  );
}
