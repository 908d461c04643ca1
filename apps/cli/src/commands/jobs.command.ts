import type { ApiSchema, QueryOf } from '../api-schemas';
import { type CommandContext, positiveNumber } from '../command-context';

export interface JobsFlags {
  state?: QueryOf<'listJobs'>['state'];
  target?: string;
  limit?: string;
  before?: string;
}

/** `oshift jobs`: the cluster's jobs, newest first. */
export async function jobsCommand(context: CommandContext, flags: JobsFlags): Promise<void> {
  const query: QueryOf<'listJobs'> = {
    state: flags.state,
    target: flags.target,
    limit: positiveNumber('--limit', flags.limit),
    before: flags.before,
  };
  const answer = await (await context.api()).get(`${context.clusterPath()}/jobs`, { query });
  if (context.forScripts) return context.raw(answer.text);
  const list = JSON.parse(answer.text) as ApiSchema<'JobList'>;
  context.out.table(
    ['JOB ID', 'TARGET', 'TYPE', 'STATE', 'CREATED', 'ENDED'],
    list.jobs.map((job) => [job.job_id, job.target, job.type, job.state, job.created_at, job.ended_at]),
    3,
  );
  if (list.next) context.err.line(`more: oshift jobs --before ${list.next}`);
}
