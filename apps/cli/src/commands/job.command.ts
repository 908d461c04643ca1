import type { ApiSchema } from '../api-schemas';
import { type CommandContext, positiveNumber } from '../command-context';
import { CliError, EXIT, usageError } from '../exit-codes';
import { jobPath, watchJob } from '../job-watch';

export interface JobFlags {
  follow?: boolean;
  wait?: boolean;
  timeout?: string;
}

/** `oshift job <id>`: its output so far, or followed to its end with `--follow`/`--wait`. */
export async function jobCommand(context: CommandContext, jobId: string, flags: JobFlags): Promise<void> {
  const timeout = positiveNumber('--timeout', flags.timeout);
  if (flags.follow || flags.wait) return watchJob(context, jobId, flags.follow ? 'follow' : 'wait', timeout);
  if (timeout !== undefined) throw usageError('--timeout needs --follow or --wait');
  const answer = await (await context.api()).get(jobPath(context, jobId));
  if (context.forScripts) context.raw(answer.text);
  const job = JSON.parse(answer.text) as ApiSchema<'Job'>;
  if (!context.forScripts) for (const line of job.output ? job.output.split('\n') : []) context.out.jobLine(line);
  if (job.state === 'failed' || /(^|\n)Fail$/.test(job.output)) {
    throw new CliError(job.errors || `job ${jobId} ended Fail`, EXIT.jobFailed);
  }
}
