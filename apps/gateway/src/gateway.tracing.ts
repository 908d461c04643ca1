/**
 * The first module `main.ts` imports: OpenTelemetry must start before http, pg and ioredis are loaded (it can
 * instrument only modules loaded after it), and the rest of `main.ts`'s imports load them. CommonJS runs imports
 * in order, so this holds under `node -r @swc-node/register` and in the dist build alike. Off, and nothing
 * loaded, unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
import { ProcessTracing } from '@oshift/telemetry';

ProcessTracing.startFromEnvironment('oshift-gateway');
