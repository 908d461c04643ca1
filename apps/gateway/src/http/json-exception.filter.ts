import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignInBusyError } from '@oshift/access';
import { JobLinks } from '../jobs/job-links';
import { answerFor, type ErrorAnswer } from './error-answers';
import { NOT_FOUND } from './request.errors';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: NOT_FOUND,
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Every error leaves as `{"error": "..."}` JSON with the right status: typed errors through the one table
 * of `error-answers.ts`, then Nest's HTTP exceptions (unknown routes), Fastify's body-parsing errors,
 * dependencies that went away (503), and anything unexpected (500, logged, no stack).
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly links: JobLinks) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { status, body, headers } = answerFor(exception, this.links) ?? this.describe(exception);
    // A sign-in refused because verification is saturated is load shedding, not a failure: one line per
    // refusal would cost the flood's own CPU again (the request log still records each answer).
    if (status >= 500 && !(exception instanceof SignInBusyError)) {
      this.logger.error({
        msg: 'request failed',
        status,
        route: request.routeOptions?.url,
        requestId: request.id,
        error: String(exception),
      });
    }
    void reply
      .status(status)
      .headers({ ...headers, 'content-type': 'application/json; charset=utf-8' })
      .send(body);
  }

  /** Errors that are not ours: the framework's, the parsers', the drivers'. */
  private describe(exception: unknown): ErrorAnswer {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, body: { error: REASONS[status] ?? exception.message } };
    }
    const fastifyStatus = (exception as { statusCode?: number }).statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return { status: fastifyStatus, body: { error: REASONS[fastifyStatus] ?? 'Bad Request' } };
    }
    // Text Postgres cannot store (a NUL byte from a decoded URL or body) is the caller's bad input, not a 500.
    if (postgresCode(exception) === CHARACTER_NOT_IN_REPERTOIRE) {
      return { status: 400, body: { error: REASONS[400] } };
    }
    if (isDependencyDown(exception)) {
      return {
        status: 503,
        body: { error: 'Service temporarily unavailable, try again later' },
        headers: { 'retry-after': '5' },
      };
    }
    return { status: 500, body: { error: REASONS[500] } };
  }
}

const CHARACTER_NOT_IN_REPERTOIRE = '22021';

function postgresCode(exception: unknown): string | undefined {
  return (exception as { driverError?: { code?: string } } | null)?.driverError?.code;
}

/** Socket errors, and Postgres SQLSTATEs for a server going away, starting, cancelling on timeout, or unreachable. */
const DEPENDENCY_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P03',
  '57014',
  '08006',
  '08001',
  '08003',
]);

/** Postgres or Redis refused, timed out or dropped us: the caller should retry, not see a 500. */
function isDependencyDown(exception: unknown): boolean {
  const error = exception as { code?: string; message?: string; name?: string; driverError?: { code?: string } };
  const code = error?.driverError?.code ?? error?.code ?? '';
  if (DEPENDENCY_DOWN_CODES.has(code)) return true;
  const message = error?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Connection is closed|Stream isn't writeable|enableOfflineQueue|connect ECONNREFUSED/i.test(
    message,
  );
}
