import type { IncomingMessage } from 'node:http';
import { loadConfigOrExit, loadTelemetrySettings, type TelemetrySettings } from '@oshift/config';

/** Requests no one wants a trace of: probes every few seconds, and scrapes. */
const UNTRACED_PATHS = new Set(['/healthz', '/livez', '/readyz', '/metrics']);

/**
 * OpenTelemetry tracing of one process (a gateway or a worker), started by {@link ProcessTracing.start} before
 * the modules it instruments are loaded: inbound and outbound HTTP (`node:http`, which Fastify serves on), `fetch`
 * (Keystone, Nova, webhooks, Alertmanager), pg and ioredis. Spans leave by OTLP, as the standard `OTEL_*` variables
 * say. Database and Redis commands are traced only inside a trace, so BullMQ's polling and the watcher's timers
 * start none of their own.
 */
export class ProcessTracing {
  private constructor(private readonly sdk: { shutdown(): Promise<void> }) {}

  /**
   * Starts tracing when `settings` says it is on; otherwise loads nothing and returns `undefined`, so a process
   * without `OTEL_EXPORTER_OTLP_ENDPOINT` pays nothing for it. Call it from the first module `main.ts` imports.
   */
  static start(settings: TelemetrySettings | undefined): ProcessTracing | undefined {
    if (!settings) return undefined;
    // Loaded here, not at the top, so that a process with tracing off never loads the SDK.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
    const { HttpInstrumentation } =
      require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
    const { UndiciInstrumentation } =
      require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    const { PgInstrumentation } =
      require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
    const { IORedisInstrumentation } =
      require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const sdk = new NodeSDK({
      serviceName: settings.serviceName,
      // Traces only: metrics are Prometheus' (GET /metrics), logs are JSON lines on standard output.
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: [
        new HttpInstrumentation({
          ignoreIncomingRequestHook: (request: IncomingMessage) =>
            UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
        }),
        new UndiciInstrumentation(),
        new PgInstrumentation({ requireParentSpan: true }),
        new IORedisInstrumentation({ requireParentSpan: true }),
      ],
    });
    sdk.start();
    ProcessTracing.started = true;
    const tracing = new ProcessTracing(sdk);
    // Sends what is buffered as soon as a stop begins, while the app closes. `once`: the app's own handler then
    // signals the process again (Nest's shutdown hooks do), and that signal ends it as usual.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void tracing.shutdown());
    return tracing;
  }

  /**
   * {@link ProcessTracing.start} for the settings of a process's environment (OTEL_* variables, validated as its
   * config schema does; a bad value stops the process with exit status 78).
   */
  static startFromEnvironment(defaultServiceName: string): ProcessTracing | undefined {
    return ProcessTracing.start(loadConfigOrExit(() => loadTelemetrySettings(defaultServiceName)));
  }

  /**
   * Names the current HTTP server span after the route that matched (`POST /api/openshift/:clusterId/reboot`) and
   * sets its `http.route`, as Fastify's own instrumentation would: node:http alone knows only the method. Does
   * nothing when tracing is off.
   */
  static nameRequest(method: string, route: string): void {
    if (!ProcessTracing.started) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    const span = trace.getActiveSpan();
    span?.setAttribute('http.route', route);
    span?.updateName(`${method} ${route}`);
  }

  /** Whether a tracing of this process has started (at most one does). */
  private static started = false;

  /** Whether this process traces (OpenTelemetry is loaded only then). */
  static get on(): boolean {
    return ProcessTracing.started;
  }

  /** Sends the spans still buffered (at a graceful stop). */
  async shutdown(): Promise<void> {
    await this.sdk.shutdown().catch(() => undefined); // a collector that is down loses these spans, nothing more
  }
}
