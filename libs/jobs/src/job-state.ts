/**
 * Life of a reboot job, persisted in Postgres: queued → running → done | failed. Customers also see `scheduled`
 * (queued, its `not_before` ahead) and `waiting` (held back by the cluster's rules): views of these stored states
 * (see `viewStateSql` and `JobViewStates`), so every active-job rule (one per node, the reconciler, cancels) holds
 * for them unchanged.
 */
export const JobStates = ['queued', 'running', 'done', 'failed'] as const;
export type JobState = (typeof JobStates)[number];

/** States in which a job still owes the customer an end line. */
export const ActiveJobStates: readonly JobState[] = ['queued', 'running'];

/** The last line of a job's output, exactly as the API reference shows it. */
export const JobEndLine = { done: 'Done', failed: 'Fail' } as const;

/** SQL condition "the job still owes an end", for raw queries on `jobs` (`alias.` prefixes the column). */
export function activeStateSql(alias = ''): string {
  return `${alias}state IN (${ActiveJobStates.map((state) => `'${state}'`).join(', ')})`;
}

/** `reboot`: one node. `rolling`: a rolling reboot, which reboots its nodes one at a time through child jobs. */
export type JobKind = 'reboot' | 'rolling';

/**
 * SQL value of `released_at` for a job ending now in `state` (an SQL expression; `alias.` prefixes the column): a
 * `Done` job, or one that never attempted a reboot, is released as it ends; one whose reboot POST might still land
 * stays in flight until its cluster's watcher sees the node back at rest (null here).
 */
export function releasedOnEndSql(state: string, alias = ''): string {
  return `CASE WHEN ${state} = 'done' OR ${alias}reboot_attempted_at IS NULL THEN now() END`;
}
