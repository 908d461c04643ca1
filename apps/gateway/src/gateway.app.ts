import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MetricsRegistry, ProcessLogger } from '@oshift/observability';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import {
  answerClientError,
  answerFrameworkError,
  answerUnmetExpectation,
  rejectMissingHost,
} from './http/protocol-errors';
import { answerHeadersFor, applyAnswerHeaders } from './http/answer-headers';
import { refuseCrossSite } from './http/cross-site-refusal';
import { observeRequests } from './http/request-observer';
import { newRequestId } from './http/request-ids';
import { serveOpenApiDocument } from './openapi/openapi.document';

/**
 * Once the server closes (SIGTERM), answers still being sent carry `Connection: close`: the clients (the router)
 * then close those connections, instead of keeping them open and the process from ending. Idle ones Node closes.
 */
function closeConnectionsWhenClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', (_request, reply, _payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done();
  });
}

/** Builds the gateway application (Fastify adapter: measured 0.85× raw node:http, Express 0.18×). */
export async function createGatewayApp(
  config: GatewayConfig,
  logger = new ProcessLogger({ service: 'gateway', level: config.logLevel }),
): Promise<NestFastifyApplication> {
  const answerHeaders = answerHeadersFor(config.http.publicUrl);
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    // The client address (login throttling, audit) comes from X-Forwarded-For only through trusted proxies.
    trustProxy: config.auth.trustProxy,
    // Always the server's own id (it follows the job into the worker); a client's X-Request-ID is kept beside it.
    genReqId: newRequestId,
    routerOptions: { maxParamLength: 300 },
    // What Node and the router reject before Nest sees a request is answered in the same JSON shape too.
    clientErrorHandler: answerClientError,
    // Refused by the router before any hook runs: the answer headers are put on here.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      applyAnswerHeaders(reply.raw, answerHeaders);
      answerFrameworkError(error, request, reply);
    },
    http: { requireHostHeader: false },
  });
  adapter.getInstance().server.on('checkExpectation', answerUnmetExpectation);
  // Callback hooks, every one of them: an `async` hook costs each request a promise and a turn of the loop.
  adapter.getInstance().addHook('onRequest', (_request, reply, done) => {
    applyAnswerHeaders(reply.raw, answerHeaders);
    done();
  });
  adapter.getInstance().addHook('onRequest', rejectMissingHost);
  // Before authentication: a refused cross-site request is never checked, decided or recorded as a decision.
  adapter.getInstance().addHook('onRequest', refuseCrossSite(config.http.publicUrl));
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), adapter, {
    logger: logger.forNest(),
    abortOnError: false,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request, reply, _payload, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
  closeConnectionsWhenClosing(app.getHttpAdapter().getInstance());
  observeRequests(app.getHttpAdapter().getInstance(), logger.child('HTTP'), app.get(MetricsRegistry));
  serveOpenApiDocument(app, config);
  app.enableShutdownHooks();
  return app;
}
