import { InvalidArgumentError } from 'commander';
import type { DataSource } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import { JobRetention } from '@oshift/jobs';
import type { CommandRegistration } from './admin-command';

const DAY_MS = 24 * 60 * 60 * 1000;
const UNITS: Record<string, number> = { d: DAY_MS, w: 7 * DAY_MS, h: 60 * 60 * 1000 };

/** Rows per batch: each batch is its own short transaction (see JobRetention). */
const BATCH_SIZE = 1000;

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

async function count(dataSource: DataSource, before: Date): Promise<Counts> {
  const counts = await new JobRetention(dataSource).count({ jobsBefore: before, auditBefore: before });
  return { jobs: counts.jobs, lines: counts.job_lines, auditEvents: counts.audit_events };
}

/**
 * The workers' retention batches (JobRetention) with one cutoff for jobs and audit events, each batch its own
 * short transaction, waiting for a worker's batch rather than giving up; then an audit event saying so.
 */
async function prune(dataSource: DataSource, before: Date, who: { actor: string; source: string }): Promise<Counts> {
  const run = await new JobRetention(dataSource).run({ jobsBefore: before, auditBefore: before }, BATCH_SIZE, {
    wait: true,
  });
  const counts = { jobs: run.jobs, lines: run.job_lines, auditEvents: run.audit_events };
  await AuditLog.record(dataSource.manager, {
    actor: who.actor,
    source: who.source,
    action: AuditAction.retentionPrune,
    target: null,
    outcome: AuditOutcome.ok,
    detail: {
      before: before.toISOString(),
      ...counts,
      webhookDeliveries: run.webhook_deliveries,
      idempotencyKeys: run.idempotency_keys,
    },
  });
  return counts;
}

function parseAge(value: string): number {
  const match = /^(\d{1,5})([dwh])$/.exec(value);
  if (!match || Number(match[1]) < 1) throw new InvalidArgumentError('an age such as 90d, 12w or 48h');
  return Number(match[1]) * UNITS[match[2]];
}
