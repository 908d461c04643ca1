import { z } from 'zod';
import { decodeJobCursor, type JobListFilter, JobViewStates } from '@oshift/jobs';
import { InvalidRequestError, unknownParameter } from '../http/request.errors';

const count = (name: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${name} must be a whole number`)
    .transform(Number);

const jobQuery = z.strictObject({ since: count('since').optional() });

const listQuery = z.strictObject({
  state: z.enum(JobViewStates, { error: `state must be one of ${JobViewStates.join(', ')}` }).optional(),
  target: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'target must be a node name')
    .optional(),
  limit: count('limit')
    .refine((limit) => limit >= 1 && limit <= 100, 'limit must be between 1 and 100')
    .default(20),
  before: z.string().optional(),
});

/** The query parameters of `GET job/{id}`. */
export const JOB_QUERY_PARAMETERS = Object.keys(jobQuery.shape);
/** The query parameters of `GET jobs`. */
export const JOB_LIST_QUERY_PARAMETERS = Object.keys(listQuery.shape);

/** The query of `GET job/{id}`: `since`, the number of lines already read (optional). */
export function parseJobQuery(query: unknown): { since?: number } {
  return parse(jobQuery, query);
}

/** `Last-Event-ID` of an event-stream follower coming back: the `n` of the last line it received. */
export function parseLastEventId(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  if (typeof header !== 'string' || !/^\d{1,9}$/.test(header)) {
    throw new InvalidRequestError('Last-Event-ID must be a line number');
  }
  return Number(header);
}

/** The query of `GET jobs`: `state`, `target`, `limit` (1–100, default 20) and `before` (a `next` cursor). */
export function parseJobListQuery(query: unknown): JobListFilter {
  const { before, ...filter } = parse(listQuery, query);
  if (before === undefined) return filter;
  const cursor = decodeJobCursor(before);
  if (!cursor) throw new InvalidRequestError('before must be the next cursor of an earlier page');
  return { ...filter, before: cursor };
}

/** Whether the caller asked for the event stream rather than JSON. */
export function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

function parse<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') throw new InvalidRequestError(unknownParameter(issue.keys[0] ?? ''));
  const name = String(issue?.path[0] ?? 'query');
  throw new InvalidRequestError(
    issue?.code === 'invalid_type' ? `${name} must be given once` : (issue?.message ?? name),
  );
}
