import { AuditLog } from '@oshift/audit';
import type { AdminContext } from '../admin.context';
import { formatTable } from '../table.format';
import { UsageError } from '../usage.error';
import type { AdminCommand } from './admin-command';
import { expectPositionals, parseCommandLine } from './command-line';

const USAGE = 'audit [--cluster C] [--user U] [--since ISO] [--until ISO] [--limit N] [--json]';

/** `audit`: the audit trail, newest first; `--user` selects what that actor did. */
export class AuditCommand implements AdminCommand {
  readonly name = 'audit';
  readonly usage = [USAGE];

  async run(args: string[], context: AdminContext): Promise<void> {
    const { values, positionals } = parseCommandLine(
      args,
      {
        cluster: { type: 'string' },
        user: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      },
      USAGE,
    );
    expectPositionals(positionals, 0, 0, USAGE);
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
      throw new UsageError('--limit is a whole number from 1 to 10000', USAGE);

    const events = await AuditLog.query(await context.dataSource(), {
      clusterId: values.cluster,
      actor: values.user,
      since: parseDate('--since', values.since),
      until: parseDate('--until', values.until),
      limit,
    });
    if (values.json) return context.printJson(events);
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
  }
}

function parseDate(option: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`${option} takes an ISO 8601 date or time, such as 2030-01-31 or 2030-01-31T12:00:00Z`, USAGE);
  }
  return date;
}
