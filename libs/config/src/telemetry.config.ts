import { z } from 'zod';
import { parseConfig } from './parse-config';
import { httpUrl } from './schema-fragments';

/**
 * OpenTelemetry's own variables, as a gateway or worker reads them: tracing is on exactly when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. The SDK reads
 * the same variables, and the rest of its standard ones (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, …).
 */
export const telemetryEnvironment = {
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  /** How spans are sent: `http/protobuf` (OpenTelemetry's default), `http/json` or `grpc`. */
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).default('http/protobuf'),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
};

/** Tracing of one process, when it is on. */
export interface TelemetrySettings {
  /** `service.name` of the spans: OTEL_SERVICE_NAME, else the process's own (`oshift-gateway`, …). */
  serviceName: string;
}

/** The `telemetry` group of a parsed environment: the settings when tracing is on, `undefined` when it is off. */
export function telemetryGroup(
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT?: string;
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
    OTEL_SERVICE_NAME?: string;
  },
  defaultServiceName: string,
): TelemetrySettings | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  return { serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName };
}

const telemetrySchema = z.object(telemetryEnvironment);

/**
 * Only the telemetry part of a process's environment, for the module its `main.ts` loads first: the SDK must start
 * before http, pg and ioredis are loaded, so it cannot wait for the app's whole config (whose modules load them).
 * The app's own schema holds the same fragment, so the variables are validated and listed with the others.
 */
export function loadTelemetrySettings(
  defaultServiceName: string,
  env: Record<string, string | undefined> = process.env,
): TelemetrySettings | undefined {
  return telemetryGroup(parseConfig(telemetrySchema, env), defaultServiceName);
}
