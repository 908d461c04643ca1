import { runFresh } from './fresh-process.fixture';

/**
 * Runs, in a fresh Node process as `npm run gateway` starts one, what a `*.tracing.ts` module does, then reports
 * which OpenTelemetry modules got loaded and the trace fields a log line written inside a span gets.
 */
function startIn(env: Record<string, string>) {
  const script = `
    const { ProcessTracing, traceFields } = require('./libs/telemetry/src/index.ts');
    const tracing = ProcessTracing.startFromEnvironment('oshift-test');
    const loaded = Object.keys(require.cache).filter((path) => /@opentelemetry[\\\\/]sdk-node|bullmq-otel/.test(path));
    let fields = null;
    if (tracing) {
      const fieldsOf = traceFields({ serviceName: 'oshift-test' });
      const api = require('@opentelemetry/api');
      api.trace.getTracer('t').startActiveSpan('s', (span) => { fields = { inside: fieldsOf(), id: span.spanContext() }; span.end(); });
      fields.outside = fieldsOf();
    }
    console.log(JSON.stringify({ started: Boolean(tracing), sdkLoaded: loaded.length > 0, fields }));
    process.exit(0);
  `;
  return runFresh(script, { PATH: process.env.PATH ?? '', ...env });
}

describe('ProcessTracing', () => {
  it('loads no OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is not set', () => {
    expect(startIn({})).toEqual({ status: 0, stderr: '', result: { started: false, sdkLoaded: false, fields: null } });
  });

  it('starts the SDK when the endpoint is set, and log fields carry the current span’s trace id', () => {
    const { status, result } = startIn({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect(status).toBe(0);
    expect(result.started).toBe(true);
    expect(result.sdkLoaded).toBe(true);
    expect(result.fields.inside).toEqual({ trace_id: result.fields.id.traceId, span_id: result.fields.id.spanId });
    expect(result.fields.inside.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.fields.outside).toEqual({});
  });

  it('stops the process with one line and status 78 when a setting is wrong', () => {
    const { status, stderr } = startIn({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
    expect(status).toBe(78);
    expect(stderr).toMatch(/^invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT: .+\n$/);
  });
});
