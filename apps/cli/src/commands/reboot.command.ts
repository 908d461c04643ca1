import { randomUUID } from 'node:crypto';
import { type CommandContext, positiveNumber } from '../command-context';
import { CliError, EXIT, usageError } from '../exit-codes';
import { watchJob } from '../job-watch';

export interface RebootFlags {
  hard?: boolean;
  wait?: boolean;
  follow?: boolean;
  timeout?: string;
  dryRun?: boolean;
  idempotencyKey?: string;
}

/**
 * `oshift reboot <node>`: starts the reboot and prints its job id, then follows it with `--follow`/`--wait`.
 * Every request carries an `Idempotency-Key` (random unless given), so a retry after a lost answer never
 * starts a second reboot.
 */
export async function rebootCommand(context: CommandContext, node: string, flags: RebootFlags): Promise<void> {
  const timeout = positiveNumber('--timeout', flags.timeout);
  if (timeout !== undefined && !flags.wait && !flags.follow) throw usageError('--timeout needs --wait or --follow');
  const key = flags.idempotencyKey ?? randomUUID();
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw usageError('--idempotency-key must be 1-255 printable characters');
  const type = flags.hard ? 'HARD' : 'SOFT';
  if (flags.dryRun) return dryRun(context, node, type);

  const api = await context.api();
  const answer = await api.post(`${context.clusterPath()}/reboot`, {
    body: flags.hard ? { target: node, type } : { target: node },
    headers: { 'idempotency-key': key },
  });
  if (context.json) context.raw(answer.text);
  const { job_id: jobId } = JSON.parse(answer.text) as { job_id: string };
  if (!context.json) context.out.line(jobId);
  if (flags.wait || flags.follow) await watchJob(context, jobId, flags.follow ? 'follow' : 'wait', timeout);
}

/**
 * What a reboot would do, asked without starting one: the caller's roles (`/api/me`) and the node's presence
 * (`nodestatus`). Refused as the API would refuse it: `Node Not found`, exit 4.
 */
async function dryRun(context: CommandContext, node: string, type: string): Promise<void> {
  const api = await context.api();
  const cluster = decodeURIComponent(context.clusterPath().split('/').pop() ?? '');
  const me = JSON.parse((await api.get('/api/me')).text) as { clusters: { id: string; roles: string[] }[] };
  const nodes = JSON.parse((await api.get(`${context.clusterPath()}/nodestatus`)).text) as { nodename: string }[];
  const allowed = me.clusters.some((entry) => entry.id === cluster && entry.roles.includes('reboot'));
  if (!allowed || !nodes.some((entry) => entry.nodename === node)) throw new CliError('Node Not found', EXIT.refused);
  if (context.json) context.out.line(JSON.stringify({ would: 'start', target: node, type }));
  else context.out.line(`would reboot ${node} (${type}); nothing was started`);
}
