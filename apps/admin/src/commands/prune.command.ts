import { InvalidArgumentError } from 'commander';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import type { CommandRegistration } from './admin-command';

const DAY_MS = 24 * 60 * 60 * 1000;
const UNITS: Record<string, number> = { d: DAY_MS, w: 7 * DAY_MS, h: 60 * 60 * 1000 };

interface Counts {
  jobs: number;
  lines: number;
  auditEvents: number;
}

/** `prune --older-than 90d [--dry-run]`: retention for ended jobs (with their output lines) and audit events. */
export const pruneCommand: CommandRegistration = (program, run) => {
  program
    .command('prune')
    .description('delete ended jobs (and their output lines) and audit events older than a given age')
    .requiredOption(
      '--older-than <age>',
      'age such as 90d, 12w or 48h; queued and running jobs are never pruned',
      parseAge,
    )
    .option('--dry-run', 'only count what would be deleted')
    .action(
      run(async (context, options: { olderThan: number; dryRun?: boolean }) => {
        const before = new Date(Date.now() - options.olderThan);
        const dataSource = await context.dataSource();
        const counts = options.dryRun
          ? await count(dataSource, before)
          : await prune(dataSource, before, context.config);
        const what = `${counts.jobs} job(s) with ${counts.lines} output line(s) and ${counts.auditEvents} audit event(s) from before ${before.toISOString()}`;
        context.print(options.dryRun ? `would delete ${what} (dry run: nothing deleted)` : `deleted ${what}`);
      }),
    );
};

/**
 * Ended jobs older than `$1`, but never a step of a rolling reboot still running: the rolling reboot reads its
 * ended steps to know which nodes it has rebooted, and would reboot a pruned one again.
 */
const ENDED_JOBS = `FROM jobs WHERE state IN ('done', 'failed') AND coalesce(finished_at, created_at) < $1
   AND NOT EXISTS (SELECT 1 FROM jobs rolling WHERE rolling.id = jobs.parent_id AND rolling.state IN ('queued', 'running'))`;

async function count(dataSource: DataSource | EntityManager, before: Date): Promise<Counts> {
  const [row] = await dataSource.query(
    `SELECT (SELECT count(*) ${ENDED_JOBS})::int AS jobs,
            (SELECT count(*) FROM job_lines WHERE job_id IN (SELECT id ${ENDED_JOBS}))::int AS lines,
            (SELECT count(*) FROM audit_events WHERE at < $1)::int AS "auditEvents"`,
    [before],
  );
  return row as Counts;
}

/** One transaction: the counts, the deletions (lines go with their jobs) and an audit event saying so. */
async function prune(dataSource: DataSource, before: Date, who: { actor: string; source: string }): Promise<Counts> {
  return dataSource.transaction(async (manager) => {
    const counts = await count(manager, before);
    await manager.query(`DELETE ${ENDED_JOBS}`, [before]);
    // The append-only trigger lets only a transaction that says so delete audit events (see AuditRetention).
    await manager.query(`SELECT set_config('oshift.retention', 'prune', true)`);
    await manager.query(`DELETE FROM audit_events WHERE at < $1`, [before]);
    await AuditLog.record(manager, {
      actor: who.actor,
      source: who.source,
      action: AuditAction.retentionPrune,
      target: null,
      outcome: AuditOutcome.ok,
      detail: { before: before.toISOString(), ...counts },
    });
    return counts;
  });
}

function parseAge(value: string): number {
  const match = /^(\d{1,5})([dwh])$/.exec(value);
  if (!match || Number(match[1]) < 1) throw new InvalidArgumentError('an age such as 90d, 12w or 48h');
  return Number(match[1]) * UNITS[match[2]];
}
