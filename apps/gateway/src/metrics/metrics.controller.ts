import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { metricsAccessAllowed, MetricsRegistry } from '@oshift/observability';
import { Public } from '../auth/requires.decorator';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { UnauthenticatedError } from '../http/request.errors';

/**
 * Prometheus metrics on the API port. Not behind the users' authentication (Prometheus has no user):
 * open when METRICS_TOKEN is unset, else only to `Authorization: Bearer <METRICS_TOKEN>`.
 */
@Controller()
@Public()
@ApiExcludeController()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('metrics')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!metricsAccessAllowed(authorization, this.config.metrics.token)) {
      throw new UnauthenticatedError('Bearer realm="metrics"');
    }
    const body = await this.metrics.exposition();
    void reply.header('content-type', this.metrics.contentType).header('cache-control', 'no-store');
    return body;
  }
}
