import type { ApiSchema } from './api-schemas';
import type { CommandContext } from './command-context';
import { CliError, EXIT } from './exit-codes';
import { JobFollower, type JobEvent } from './job-follower';

/** How a command shows a job until it ends: every line as it comes, or only the end. */
export type WatchMode = 'follow' | 'wait';

/** `/api/openshift/<cluster>/job/<id>` */
export const jobPath = (context: CommandContext, jobId: string) =>
  `${context.clusterPath()}/job/${encodeURIComponent(jobId)}`;

/** A `<node> <STATUS>` output line (not `Waiting: …`, `Silence: …`, `Done` or `Fail`). */
const NODE_STATUS_LINE = /^\S+ [A-Z_]+$/;

/** What a job's answer says of its expected end (absent without history, or once ended). */
type JobEta = Partial<Pick<ApiSchema<'Job'>, 'state' | 'eta'>>;

/** `back in about N s` for a job not ended that has an ETA, else null. */
export function backInAbout(job: JobEta, now = Date.now()): string | null {
  if (!job.eta || job.state === 'done' || job.state === 'failed') return null;
  const at = Date.parse(job.eta);
  if (Number.isNaN(at)) return null;
  return `back in about ${Math.max(0, Math.round((at - now) / 1000))} s`;
}

/**
 * Follows a job to its end. `follow` prints each line as it arrives (JSON lines with `-o json`); `wait` prints
 * only the end (the last line, or the job as the API answers it with `-o json`). `follow` tells people once, on
 * stderr, when a reboot is expected back (`back in about N s`, from the job's `eta`). A job that ends `Fail` ends
 * the command with exit 1 and its errors; `timeoutSeconds` passing ends it with exit 3 (the job goes on).
 */
export async function watchJob(
  context: CommandContext,
  jobId: string,
  mode: WatchMode,
  timeoutSeconds?: number,
): Promise<void> {
  const api = await context.api();
  const path = jobPath(context, jobId);
  const timeout = new AbortController();
  const timer =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(
          () =>
            timeout.abort(
              new CliError(`--timeout: still running after ${timeoutSeconds} s; job ${jobId} goes on`, EXIT.timedOut),
            ),
          timeoutSeconds * 1000,
        );
  let end: Extract<JobEvent, { kind: 'end' }> | undefined;
  let lastLine = '';
  let etaTold = false;
  try {
    for await (const event of new JobFollower(api, path, { signal: timeout.signal }).events()) {
      if (event.kind === 'end') {
        end = event;
      } else {
        lastLine = event.text;
        if (mode === 'wait') continue;
        if (context.forScripts) context.record({ n: event.n, text: event.text });
        else context.out.jobLine(event.text);
        // At its first `<node> <STATUS>` line the reboot has started: people are told once, on stderr, when to
        // expect the node back (stdout stays the job's lines, for scripts).
        if (!context.forScripts && !etaTold && NODE_STATUS_LINE.test(event.text)) {
          etaTold = true;
          const notice = backInAbout(JSON.parse((await api.get(path, { signal: timeout.signal })).text) as JobEta);
          if (notice) context.err.line(notice);
        }
      }
    }
    if (mode === 'wait' && context.forScripts) context.raw((await api.get(path, { signal: timeout.signal })).text);
  } finally {
    clearTimeout(timer);
  }
  if (!end) throw new CliError(`job ${jobId}: the API ended the stream without the job's end`, EXIT.unavailable);
  if (context.forScripts && mode === 'follow') context.record({ state: end.state, errors: end.errors });
  if (!context.forScripts && mode === 'wait') context.out.jobLine(lastLine);
  if (end.state === 'failed') throw new CliError(end.errors || `job ${jobId} ended Fail`, EXIT.jobFailed);
}
