import { existsSync, readFileSync, rmSync } from 'node:fs';

/**
 * What `bench/round-trips.preload.cjs` counted so far in process `pid` (SIGWINCH makes it write
 * `round-trips-<pid>.json` in the working directory): Postgres statements and Redis commands by name.
 */
export async function roundTrips(pid: number): Promise<Record<string, number>> {
  const file = `${process.cwd()}/round-trips-${pid}.json`;
  rmSync(file, { force: true });
  process.kill(pid, 'SIGWINCH');
  for (let tries = 0; tries < 50 && !existsSync(file); tries++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 20));
  const counts = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  rmSync(file, { force: true });
  return counts;
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
