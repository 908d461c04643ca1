import type { Telemetry } from 'bullmq';
import type { TelemetrySettings } from '@oshift/config';

/** `trace_id` and `span_id` of the span a log line is written in, as the line's fields (none outside a span). */
export type TraceFields = () => Record<string, string>;

/**
 * The fields that tie a log line to its trace, when tracing is on (`undefined` when off: the logger then adds
 * nothing and the OpenTelemetry API is not even loaded).
 */
export function traceFields(settings: TelemetrySettings | undefined): TraceFields | undefined {
  if (!settings) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { trace, isSpanContextValid } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const none: Record<string, string> = {};
  return () => {
    const context = trace.getActiveSpan()?.spanContext();
    return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : none;
  };
}

/**
 * BullMQ's `telemetry` option when tracing is on: a job carries the trace of the request that queued it, and the
 * worker's handling of it (its Keystone and Nova calls) continues that trace.
 */
export function queueTelemetry(settings: TelemetrySettings | undefined): Telemetry | undefined {
  if (!settings) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BullMQOtel } = require('bullmq-otel') as typeof import('bullmq-otel');
  return new BullMQOtel({ tracerName: 'oshift' });
}
