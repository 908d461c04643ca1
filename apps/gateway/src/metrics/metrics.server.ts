import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MetricsRegistry, ProbeServer } from '@oshift/observability';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';

/**
 * Prometheus metrics on a port of their own (METRICS_HOST:METRICS_PORT), never on the API port: the Route
 * and the Service's `http` port do not lead to them. Not behind the users' authentication (Prometheus has
 * no user): open when METRICS_TOKEN is unset, else only to `Authorization: Bearer <METRICS_TOKEN>`.
 * A port already taken stops the start.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: ProbeServer;

  constructor(metrics: MetricsRegistry, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.server = new ProbeServer({
      host: config.metrics.host,
      port: config.metrics.port,
      metrics,
      metricsToken: config.metrics.token,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.server.listen();
  }

  /** `http://host:port` of the server (the chosen port when METRICS_PORT is 0). */
  get url(): string {
    return this.server.url;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}
