import { randomUUID } from 'node:crypto';
import type { ApiSchema, RequestBody } from '../api-schemas';
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
  const type: RequestBody<'rebootNode'>['type'] = flags.hard ? 'HARD' : 'SOFT';
  if (flags.dryRun && (flags.wait || flags.follow))
    throw usageError('--dry-run starts nothing to --wait for or --follow');
  const api = await context.api();
  if (flags.dryRun) {
    const body: RequestBody<'rebootNode'> = { target: node, type, dry_run: true };
    const answer = await api.post(`${context.clusterPath()}/reboot`, { body });
    return showForecast(context, answer.text);
  }

  const body: RequestBody<'rebootNode'> = flags.hard ? { target: node, type } : { target: node };
  const answer = await api.post(`${context.clusterPath()}/reboot`, {
    body,
    headers: { 'idempotency-key': key },
  });
  if (context.forScripts) context.raw(answer.text);
  const { job_id: jobId } = JSON.parse(answer.text) as ApiSchema<'RebootStarted'>;
  if (!context.forScripts) context.out.line(jobId);
  if (flags.wait || flags.follow) await watchJob(context, jobId, flags.follow ? 'follow' : 'wait', timeout);
}

/** The API's answer to a dry run: what the reboot would do now, and why (a rolling reboot's nodes, in order). */
export type Forecast = ApiSchema<'RebootForecast'> | ApiSchema<'RollingRebootForecast'>;

/**
 * Prints a dry run's answer: `would start|wait: <reason>` (and a rolling reboot's nodes, in order), or the API's
 * JSON. `refuse` ends the command with exit 4 and its reason on stderr, as the real request would be refused.
 */
export function showForecast(context: CommandContext, text: string): void {
  const forecast = JSON.parse(text) as Forecast;
  if (context.forScripts) context.raw(text);
  const said = `would ${forecast.would}: ${forecast.reason}; nothing was started`;
  if (forecast.would === 'refuse') throw new CliError(said, EXIT.refused);
  if (context.forScripts) return;
  context.out.line(said);
  for (const node of 'nodes' in forecast ? forecast.nodes : []) context.out.line(`  ${node}`);
}
