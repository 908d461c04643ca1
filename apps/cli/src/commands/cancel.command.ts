import type { ApiSchema } from '../api-schemas';
import type { CommandContext } from '../command-context';
import { jobPath } from '../job-watch';

/**
 * `oshift cancel <job>`: ends a reboot that has not started (waiting or queued) with `Fail`, or calls off the rest
 * of a rolling reboot (the node it is rebooting finishes first). Prints what happened, or the job with
 * `-o json`; a job with nothing left to cancel is refused by the API (exit 4, its reason on stderr).
 */
export async function cancelCommand(context: CommandContext, jobId: string): Promise<void> {
  const answer = await (await context.api()).delete(jobPath(context, jobId));
  if (context.forScripts) return context.raw(answer.text);
  const job = JSON.parse(answer.text) as ApiSchema<'Job'>;
  if (job.state === 'failed') context.out.line(`job ${jobId} cancelled: ${job.errors}`);
  else {
    context.out.line(
      `rolling reboot ${jobId} cancelled by ${job.cancelled_by ?? '?'}: ` +
        'the node rebooting now finishes, then the job ends Fail',
    );
  }
}
