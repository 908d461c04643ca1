import { dbNow, type JobEntity, type UnreleasedJob } from '@oshift/jobs';
import type { NovaServer } from '@oshift/openstack-client';

/** Nova statuses a server rests in (with no task state): nothing of a reboot is still to happen to it. */
const AT_REST = new Set(['ACTIVE', 'SHUTOFF', 'ERROR']);

/**
 * Whether an ended reboot that still counts as in flight may be released now: Nova can no longer apply a POST of
 * it in doubt (the confirm window has passed since it was attempted) and shows the server at rest (`ACTIVE`,
 * `SHUTOFF` or `ERROR`, no task state), or no longer lists it (nothing is left to come back; a master missing
 * from the listing holds its peers back by itself). `server` is the server in this poll's listing, or null.
 */
export function releaseDue(job: UnreleasedJob, server: NovaServer | null, confirmWindowMs: number): boolean {
  if (job.inDoubt && job.attemptedAgoMs < confirmWindowMs) return false;
  return server === null || (AT_REST.has(server.status) && !server.taskState);
}

/** A job of the watcher's poll as {@link releaseDue} takes it (it ends in this poll). */
export function unreleasedOf(job: JobEntity): UnreleasedJob {
  const attempted = job.rebootAttemptedAt?.getTime();
  const sent = job.rebootSentAt?.getTime();
  return {
    id: job.id,
    target: job.target,
    serverId: job.serverId,
    attemptedAgoMs: attempted === undefined ? Number.POSITIVE_INFINITY : dbNow(job) - attempted,
    inDoubt: attempted !== undefined && (sent === undefined || sent < attempted),
  };
}
