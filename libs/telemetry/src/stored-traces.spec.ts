import { runFresh } from './fresh-process.fixture';

/**
 * Keeps the trace of a span (as a job's handling does), then, outside any span (as the watcher polls), continues
 * it and links a span to it; reports what the spans were made of and which OpenTelemetry modules got loaded.
 */
function keepAndContinue(env: Record<string, string>) {
  const script = `
    const { ProcessTracing, StoredTraces } = require('./libs/telemetry/src/index.ts');
    ProcessTracing.startFromEnvironment('oshift-test');
    const active = () => {
      const span = require('@opentelemetry/api').trace.getActiveSpan();
      return span && { context: span.spanContext(), name: span.name, parent: span.parentSpanContext, links: span.links,
        attributes: span.attributes };
    };
    (async () => {
      let kept, handled;
      if (ProcessTracing.on) {
        require('@opentelemetry/api').trace.getTracer('t').startActiveSpan('handling', (span) => {
          kept = StoredTraces.current();
          handled = span.spanContext();
          span.end();
        });
      } else kept = StoredTraces.current();
      const observed = await StoredTraces.continue(kept, 'observe', { node: 'w-1' }, async (notes) => {
        notes({ status: 'ACTIVE' });
        return ProcessTracing.on ? active() : 'ran';
      });
      const unkept = await StoredTraces.continue(null, 'observe', {}, async () => (ProcessTracing.on ? active() : 'ran'));
      const polled = await StoredTraces.linked([null, kept], 'poll', { jobs: 2 }, async () =>
        ProcessTracing.on ? active() : 'ran');
      const failed = await StoredTraces.continue(kept, 'observe', {}, async () => { throw new Error('boom'); })
        .catch((error) => error.message);
      const loaded = Object.keys(require.cache).filter((path) => /@opentelemetry[\\\\/]/.test(path)).length;
      console.log(JSON.stringify({ kept: kept ?? null, handled, observed, unkept: unkept ?? null, polled, failed, loaded }));
      process.exit(0);
    })();
  `;
  return runFresh(script, { PATH: process.env.PATH ?? '', ...env });
}

describe('StoredTraces', () => {
  it('keeps nothing, runs the work as is and loads no OpenTelemetry module when tracing is off', () => {
    expect(keepAndContinue({})).toEqual({
      status: 0,
      stderr: '',
      result: { kept: null, observed: 'ran', unkept: 'ran', polled: 'ran', failed: 'boom', loaded: 0 },
    });
  });

  it('continues a kept trace under the span it was kept in, and links a span of many records to it', () => {
    const { status, stderr, result } = keepAndContinue({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const { traceId, spanId } = result.handled;
    // W3C traceparent: version, trace id, parent id, flags (sampled).
    expect(result.kept).toBe(`00-${traceId}-${spanId}-01`);
    expect(result.observed).toMatchObject({
      name: 'observe',
      context: { traceId },
      parent: { traceId, spanId },
      attributes: { node: 'w-1', status: 'ACTIVE' },
    });
    expect(result.observed.context.spanId).not.toBe(spanId);
    // A record never traced starts no trace of its own.
    expect(result.unkept).toBeNull();
    expect(result.polled).toMatchObject({
      name: 'poll',
      attributes: { jobs: 2 },
      links: [{ context: { traceId, spanId } }],
    });
    expect(result.polled.context.traceId).not.toBe(traceId);
    expect(result.polled.parent).toBeUndefined();
    expect(result.failed).toBe('boom');
  });
});
