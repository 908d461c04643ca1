import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RebootAlreadyRunningError } from '@oshift/jobs';
import { CloudUnavailableError, ClusterNotFoundError } from '@oshift/node-registry';
import { ApiError, NOT_FOUND } from './api-error';

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
 * Every error leaves as `{"error": "..."}` JSON with the right status: typed domain errors,
 * Nest's HTTP exceptions, Fastify's body-parsing errors, and anything unexpected (500, logged, no stack).
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { status, body, headers } = this.describe(exception, request);
    if (status >= 500) {
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

  private describe(
    exception: unknown,
    request: FastifyRequest,
  ): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
    if (exception instanceof ApiError) {
      return {
        status: exception.getStatus(),
        body: exception.getResponse() as Record<string, unknown>,
        headers: exception.headers,
      };
    }
    if (exception instanceof ClusterNotFoundError) return { status: 404, body: { error: NOT_FOUND }, headers: {} };
    if (exception instanceof CloudUnavailableError) {
      return {
        status: 503,
        body: { error: 'OpenStack is unavailable, try again later' },
        headers: { 'retry-after': '5' },
      };
    }
    if (exception instanceof RebootAlreadyRunningError) {
      return { status: 409, body: { error: exception.message, job_id: exception.jobId }, headers: {} };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, body: { error: REASONS[status] ?? exception.message }, headers: {} };
    }
    const fastifyStatus = (exception as { statusCode?: number }).statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return { status: fastifyStatus, body: { error: REASONS[fastifyStatus] ?? 'Bad Request' }, headers: {} };
    }
    // Text Postgres cannot store (a NUL byte from a decoded URL or body) is the caller's bad input, not a 500.
    if (postgresCode(exception) === CHARACTER_NOT_IN_REPERTOIRE) {
      return { status: 400, body: { error: REASONS[400] }, headers: {} };
    }
    if (isDependencyDown(exception)) {
      return {
        status: 503,
        body: { error: 'Service temporarily unavailable, try again later' },
        headers: { 'retry-after': '5' },
      };
    }
    void request;
    return { status: 500, body: { error: REASONS[500] }, headers: {} };
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
