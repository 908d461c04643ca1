/** @oshift/telemetry: OpenTelemetry tracing of a process, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export * from './process-tracing';
export * from './trace-fields';
export * from './stored-traces';
