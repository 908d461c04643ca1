import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MetricsRegistry } from '@oshift/observability';
import { ProcessTracing } from '@oshift/telemetry';
import { clientRequestIdOf } from './request-ids';

/** Routes that load balancers and Prometheus call every few seconds: logged at debug, not info. */
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);
/** The route label of requests that matched no route, so that scanners cannot blow up cardinality. */
const UNMATCHED = 'unmatched';

/**
 * One log line and one metric sample per request, when its answer has been sent: method, route pattern
 * (`/api/openshift/:clusterId/job/:jobId`, never the raw URL), status, duration, the server's request id and
 * the client's own (`X-Request-ID`), when it sent a valid one.
 * Headers are never logged, so neither are credentials.
 */
export function observeRequests(fastify: FastifyInstance, logger: Logger, metrics: MetricsRegistry): void {
  // `code`, as Prometheus' own HTTP metrics name the status (client_golang's promhttp, Prometheus' own server).
  const labelNames = ['method', 'route', 'code'] as const;
  const requests = metrics.counter({
    name: 'oshift_http_requests_total',
    help: 'HTTP requests answered by the gateway, by method, route pattern and status code',
    labelNames,
  });
  const duration = metrics.histogram({
    name: 'oshift_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status code',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  // The trace's server span is named after the route while the request is still being served.
  // Callback hooks: an `async` one costs each request a promise and a turn of the loop.
  fastify.addHook('onRequest', (request, _reply, done) => {
    ProcessTracing.nameRequest(request.method, request.routeOptions.url ?? UNMATCHED);
    done();
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const labels = { method: request.method, route, code: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    const line = {
      method: request.method,
      route,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      requestId: request.id,
      client_request_id: clientRequestIdOf(request),
    };
    if (PROBE_ROUTES.has(route)) logger.debug(line, 'request');
    else logger.info(line, 'request');
    done();
  });
}
