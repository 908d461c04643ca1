import type { JobEntity } from '@oshift/jobs';

/** What a job's row keeps of its last `<node> <STATUS>` line: the line, and when it was written (Postgres' clock). */
export type LastStatusLine = Pick<JobEntity, 'statusLine' | 'statusLineAt'>;

/**
 * Whether a poll writes the job's `<node> <STATUS>` line `line`: when it differs from the last one written (the
 * first included), else once `everyMs` (`OUTPUT_LINE_SECONDS`) have passed since that one, by Postgres' clock
 * (`nowMs`). Judged from the job's row alone, so a worker that takes a job over neither says the same status again
 * at once nor stays silent longer. The poll that ends the job writes its status line whatever this says.
 */
export function statusLineDue(last: LastStatusLine, line: string, nowMs: number, everyMs: number): boolean {
  if (last.statusLine !== line || last.statusLineAt === null) return true;
  return nowMs - last.statusLineAt.getTime() >= everyMs;
}
