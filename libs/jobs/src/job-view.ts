import type { EtaBasis } from './job-etas';
import type { JobOutput } from './job-output';
import type { JobKind } from './job-state';
import type { RollingRole } from './reboot-policy';

/**
 * States a customer may see; `scheduled` is a job accepted to start later (its `not_before` is ahead), `waiting`
 * one accepted but held back by the cluster's rules.
 */
export const JobViewStates = ['queued', 'scheduled', 'waiting', 'running', 'done', 'failed'] as const;
export type JobViewState = (typeof JobViewStates)[number];

/** `SOFT` (the default) or `HARD`. */
export type RebootKind = 'SOFT' | 'HARD';

/** `GET job/{id}`: the reference's `{output, errors}` and what a script needs besides. Times are RFC 3339 UTC. */
export interface JobDetail extends JobOutput {
  state: JobViewState;
  target: string;
  type: RebootKind;
  requested_by: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  /** `reboot` (one node) or `rolling` (a rolling reboot of a role; its `target` is `rolling:<role>`). */
  kind: JobKind;
  /** A rolling reboot's role; absent for a single reboot. */
  role?: RollingRole;
  /** Who cancelled the job (or the rest of a rolling reboot); absent unless someone did. */
  cancelled_by?: string;
  /** A scheduled reboot's earliest start; absent for one that was to start at once. */
  not_before?: string;
  /** Who started the job outside the cluster's maintenance windows, and why; absent unless someone did. */
  window_override?: { by: string; reason: string };

  /**
   * A reboot not ended yet: when it is expected to end (RFC 3339 UTC), from the p50 duration of the latest
   * successful reboots (see {@link EtaBasis}); absent when there is no such history, or once the job has ended.
   */
  eta?: string;
  /** What `eta` was learnt from: this node's reboots, else its role's, else the cluster's. */
  eta_basis?: EtaBasis;
}

/** One output line: its number (from 1), when it was written and its text. */
export interface JobLine {
  n: number;
  time: string;
  text: string;
}

/** `GET job/{id}?since=N`: the lines after the N-th, and the cursor to ask with next time. */
export interface JobLinesSince {
  state: JobViewState;
  errors: string;
  lines: JobLine[];
  next: number;
}

/** One job of `GET jobs`, without the status URL (the gateway adds it). */
export interface JobSummaryRow {
  job_id: string;
  target: string;
  type: RebootKind;
  state: JobViewState;
  created_at: string;
  ended_at: string | null;
  kind: JobKind;
  /** A rolling reboot's role; absent for a single reboot. */
  role?: RollingRole;
  /**
   * A reboot not ended yet: when it is expected to end (RFC 3339 UTC), from the p50 duration of the latest
   * successful reboots (see {@link EtaBasis}); absent when there is no such history, or once the job has ended.
   */
  eta?: string;
  /** What `eta` was learnt from: this node's reboots, else its role's, else the cluster's. */
  eta_basis?: EtaBasis;
}

/** What `GET jobs` filters on; `before` is the cursor of a previous page. */
export interface JobListFilter {
  state?: JobViewState;
  target?: string;
  limit: number;
  before?: JobCursor;
}

/** Where a page of the job list ended: the last job's creation (microseconds since the epoch) and id. */
export interface JobCursor {
  createdMicros: string;
  id: string;
}

/** The opaque `next`/`before` text of a cursor. */
export function encodeJobCursor(cursor: JobCursor): string {
  return Buffer.from(`${cursor.createdMicros}.${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor a `before` text names, or null when it is not one this API gave out. */
export function decodeJobCursor(text: string): JobCursor | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) return null;
  const match = /^(\d{1,18})\.([A-Za-z0-9_-]{22})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  return match ? { createdMicros: match[1]!, id: match[2]! } : null;
}
