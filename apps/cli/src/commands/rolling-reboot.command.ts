import { randomUUID } from 'node:crypto';
import type { ApiSchema, RequestBody } from '../api-schemas';
import { type CommandContext, positiveNumber } from '../command-context';
import { usageError } from '../exit-codes';
import { watchJob } from '../job-watch';
import { showForecast } from './reboot.command';

/** The roles a rolling reboot may take (`all`: every node, workers first, HAProxy nodes last). */
export const ROLLING_ROLES = ['worker', 'infra', 'master', 'haproxy', 'all'] as const;

export interface RollingRebootFlags {
  role: (typeof ROLLING_ROLES)[number];
  hard?: boolean;
  wait?: boolean;
  follow?: boolean;
  timeout?: string;
  dryRun?: boolean;
  idempotencyKey?: string;
}

/**
 * `oshift rolling-reboot`: reboots every node of a role (or of the cluster) one at a time, as one job; prints
 * its id, then follows it with `--follow`/`--wait` like `reboot`. `--dry-run` prints the order and what its
 * first node would do now. Every request carries an `Idempotency-Key` (random unless given).
 */
export async function rollingRebootCommand(context: CommandContext, flags: RollingRebootFlags): Promise<void> {
  const timeout = positiveNumber('--timeout', flags.timeout);
  if (timeout !== undefined && !flags.wait && !flags.follow) throw usageError('--timeout needs --wait or --follow');
  const key = flags.idempotencyKey ?? randomUUID();
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw usageError('--idempotency-key must be 1-255 printable characters');
  if (flags.dryRun && (flags.wait || flags.follow))
    throw usageError('--dry-run starts nothing to --wait for or --follow');
  const body: RequestBody<'rollingReboot'> = { role: flags.role, type: flags.hard ? 'HARD' : 'SOFT' };
  const api = await context.api();
  const path = `${context.clusterPath()}/rolling-reboot`;
  if (flags.dryRun) return showForecast(context, (await api.post(path, { body: { ...body, dry_run: true } })).text);

  const answer = await api.post(path, { body, headers: { 'idempotency-key': key } });
  if (context.forScripts) context.raw(answer.text);
  const { job_id: jobId } = JSON.parse(answer.text) as ApiSchema<'RebootStarted'>;
  if (!context.forScripts) context.out.line(jobId);
  if (flags.wait || flags.follow) await watchJob(context, jobId, flags.follow ? 'follow' : 'wait', timeout);
}
