import { IdentityProviderUnavailableError, SignInBusyError, TooManyLoginFailuresError } from '@oshift/access';
import {
  IdempotencyKeyReusedError,
  JobNotCancellableError,
  JobNotFoundError,
  NoNodeOfRoleError,
  QueueUnavailableError,
  RebootAlreadyRunningError,
  RebootCooldownError,
  RebootRefusedError,
} from '@oshift/jobs';
import { CloudUnavailableError, ClusterNotFoundError, NodeNotFoundError } from '@oshift/node-registry';
import { StreamLimitError } from '../jobs/stream-limit.error';
import {
  AccessDeniedError,
  InvalidRequestError,
  NODE_NOT_FOUND,
  NOT_FOUND,
  NotReadyError,
  UnauthenticatedError,
} from './request.errors';

/** An error as the caller sees it: status, JSON body (`{"error": …}` first) and headers. */
export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** What an answer may need from the process: where a job's output can be followed. */
export interface AnswerContext {
  statusUrl(clusterId: string, jobId: string): string;
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;
interface Rule<E extends Error> {
  type: ErrorClass<E>;
  answer: (error: E, context: AnswerContext) => ErrorAnswer;
}

const rule = <E extends Error>(type: ErrorClass<E>, answer: Rule<E>['answer']): Rule<E> => ({ type, answer });
const RETRY_SOON = { 'retry-after': '5' };
const notFound = (error: string): ErrorAnswer => ({ status: 404, body: { error } });
const unavailable = (error: string): ErrorAnswer => ({ status: 503, body: { error }, headers: RETRY_SOON });

/**
 * The one table from typed errors to HTTP answers. Services and guards throw these errors and never build
 * an answer; a new endpoint adds its error here (one line) rather than a status code where it throws.
 */
const RULES: readonly Rule<Error>[] = [
  rule(InvalidRequestError, (error) => ({ status: 400, body: { error: error.message } })),
  rule(NoNodeOfRoleError, (error) => ({ status: 400, body: { error: error.message, reason: error.reason } })),
  rule(UnauthenticatedError, (error) => ({
    status: 401,
    body: { error: 'Unauthorized' },
    headers: { 'www-authenticate': error.challenge },
  })),
  rule(AccessDeniedError, (error) => notFound(error.message)),
  rule(ClusterNotFoundError, () => notFound(NOT_FOUND)),
  rule(NodeNotFoundError, () => notFound(NODE_NOT_FOUND)),
  rule(JobNotFoundError, (error) => notFound(error.message)),
  rule(RebootAlreadyRunningError, (error, context) => ({
    status: 409,
    body: { error: error.message, job_id: error.jobId, status_url: context.statusUrl(error.clusterId, error.jobId) },
  })),
  rule(RebootRefusedError, (error) => ({ status: 409, body: { error: error.message, reason: error.reason } })),
  rule(RebootCooldownError, (error) => ({
    status: 429,
    body: { error: error.message, reason: error.reason },
    headers: { 'retry-after': String(error.retryAfterSeconds) },
  })),
  rule(JobNotCancellableError, (error) => ({
    status: 409,
    body: { error: error.message, job_id: error.jobId, reason: error.reason },
  })),
  rule(IdempotencyKeyReusedError, (error) => ({ status: 422, body: { error: error.message } })),
  rule(TooManyLoginFailuresError, (error) => ({
    status: 429,
    body: { error: 'Too Many Requests' },
    headers: { 'retry-after': String(error.retryAfterSeconds) },
  })),
  rule(StreamLimitError, (error) => ({
    status: 429,
    body: { error: error.message },
    headers: { 'retry-after': String(error.retryAfterSeconds) },
  })),
  // 429, not 503: the service is up and sheds sign-ins; 503 says a dependency is down (DESIGN.md).
  rule(SignInBusyError, (error) => ({
    status: 429,
    body: { error: error.message },
    headers: { 'retry-after': String(error.retryAfterSeconds) },
  })),
  rule(CloudUnavailableError, () => unavailable('OpenStack is unavailable, try again later')),
  rule(QueueUnavailableError, (error) => unavailable(error.message)),
  rule(IdentityProviderUnavailableError, () => unavailable('Identity provider unavailable, try again later')),
  rule(NotReadyError, (error) => ({
    status: 503,
    body: { error: 'Not ready', reason: error.reason, checks: error.checks },
  })),
] as Rule<Error>[];

/** The answer for a typed error, or undefined when the error is not one of ours (the filter then decides). */
export function answerFor(error: unknown, context: AnswerContext): ErrorAnswer | undefined {
  const match = RULES.find((candidate) => error instanceof candidate.type);
  return match?.answer(error as Error, context);
}
