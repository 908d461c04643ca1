import type { JobEntity } from '@oshift/jobs';
import { CloudUnavailableError, ClusterNotFoundError } from '@oshift/node-registry';
import { OpenStackError } from '@oshift/openstack-client';

/** How the reboot handler reads an error it met: worth waiting out until the deadline, or the end of the job. */

/**
 * Failures worth waiting out until the deadline, as words for the job's reason: OpenStack unreachable, slow,
 * 5xx, throttling, refusing our credentials (a rotated secret may come), the cluster's secret unreadable here.
 * Null for anything else.
 */
export function waitableProblem(error: unknown): string | null {
  if (error instanceof CloudUnavailableError) return error.message;
  if (!(error instanceof OpenStackError)) return null;
  const { status, code } = error;
  if (status === 0 || status === 401 || status === 429 || status >= 500 || code === 'noComputeEndpoint')
    return `${error.message}${requestOf(error)}`;
  return null;
}

/**
 * The reason a job ends on an error that will not go away (the server gone, a 403, the cluster removed),
 * saying whether a reboot was sent. Rethrows anything else (Postgres trouble, a bug): the job is retried.
 */
export function permanentFailure(
  job: Pick<JobEntity, 'target' | 'rebootSentAt' | 'rebootAttemptedAt'>,
  error: unknown,
): string {
  const sent = sentSoFar(job);
  if (error instanceof ClusterNotFoundError) return `The cluster is no longer registered: ${sent}`;
  if (error instanceof OpenStackError && error.status === 404)
    return `${job.target} no longer exists in OpenStack (${sent})${requestOf(error)}`;
  if (error instanceof OpenStackError) return `OpenStack error: ${error.message}${requestOf(error)}; ${sent}`;
  throw error;
}

/**
 * Why a cluster's listing failed, as words for its jobs' reasons, when the jobs are kept (never ended by it): a
 * failure worth waiting out, a refusal (a 403, an unreadable answer) that may be mended before the deadline, or
 * something unexpected (logged by the caller; the words say no more). Null only when the cluster was removed.
 */
export function listingProblem(error: unknown): string | null {
  if (error instanceof ClusterNotFoundError) return null;
  const waitable = waitableProblem(error);
  if (waitable !== null) return waitable;
  if (error instanceof OpenStackError) return `OpenStack error: ${error.message}${requestOf(error)}`;
  return `the worker could not list the cluster's servers`;
}

/** What a job has sent so far, in a reason's words. */
export function sentSoFar(job: Pick<JobEntity, 'rebootSentAt' | 'rebootAttemptedAt'>): string {
  if (job.rebootSentAt) return 'a reboot was sent';
  return job.rebootAttemptedAt ? 'a reboot may have been sent' : 'no reboot was sent';
}

function requestOf(error: OpenStackError): string {
  return error.requestId ? ` (Nova request ${error.requestId})` : '';
}
