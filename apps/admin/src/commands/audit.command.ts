import { InvalidArgumentError } from 'commander';
import { AuditLog } from '@oshift/audit';
import { formatTable } from '../table.format';
import { type CommandRegistration, outputOption, type OutputOptions } from './admin-command';

interface AuditOptions extends OutputOptions {
  cluster?: string;
  user?: string;
  since?: Date;
  until?: Date;
  limit: number;
}

/** `audit`: the audit trail, newest first; `--user` selects what that actor did. */
export const auditCommand: CommandRegistration = (program, run) => {
  program
    .command('audit')
    .description('the audit trail, newest first')
    .option('--cluster <id>', 'events on this cluster')
    .option('--user <actor>', 'events this actor caused (a username, or an operator such as operator:alice)')
    .option('--since <iso>', 'events at or after this ISO 8601 date or time', parseDate)
    .option('--until <iso>', 'events before this ISO 8601 date or time', parseDate)
    .option('--limit <n>', 'at most this many events (1 to 10000)', parseLimit, 100)
    .addOption(outputOption())
    .action(
      run(async (context, options: AuditOptions) => {
        const events = await AuditLog.query(await context.dataSource(), {
          clusterId: options.cluster,
          actor: options.user,
          since: options.since,
          until: options.until,
          limit: options.limit,
        });
        if (options.output === 'json') return context.printJson(events);
        context.print(
          formatTable(
            ['AT', 'ACTOR', 'SOURCE', 'ACTION', 'CLUSTER', 'TARGET', 'OUTCOME', 'DETAIL'],
            events.map((event) => [
              event.at.toISOString(),
              event.actor,
              event.source,
              event.action,
              event.clusterId,
              event.target,
              event.outcome,
              Object.keys(event.detail).length > 0 ? JSON.stringify(event.detail) : '',
            ]),
          ),
        );
      }),
    );
};

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
    throw new InvalidArgumentError('a whole number from 1 to 10000');
  return limit;
}

function parseDate(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime()))
    throw new InvalidArgumentError('an ISO 8601 date or time, such as 2030-01-31 or 2030-01-31T12:00:00Z');
  return date;
}
