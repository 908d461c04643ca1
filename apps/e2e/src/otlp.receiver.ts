import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with the `service.name` of the process that sent it. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  /** When the span started, in nanoseconds since the epoch (a decimal string, or a number, in OTLP's JSON). */
  startTimeUnixNano: string | number;
  attributes: Record<string, string | number | boolean | undefined>;
  /** The spans of other traces this one is linked to (span links). */
  links?: { traceId: string; spanId: string }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: (Omit<ReceivedSpan, 'service' | 'attributes'> & { attributes?: OtlpAttribute[] })[] }[];
  }[];
}

function attributes(list: OtlpAttribute[] = []): ReceivedSpan['attributes'] {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue)),
    ]),
  );
}

/**
 * An OpenTelemetry collector for tests, on loopback: takes OTLP/HTTP exports in JSON (`POST /v1/traces`, what
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` sends) and keeps every span, answering as a collector does.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Requests that were not an OTLP JSON trace export, as `<method> <path> <content-type>`. */
  readonly refused: string[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (
          request.method !== 'POST' ||
          request.url !== '/v1/traces' ||
          !request.headers['content-type']?.startsWith('application/json')
        ) {
          receiver.refused.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
          response.writeHead(415).end();
          return;
        }
        receiver.take(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to for the processes that send here. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits until the spans received so far satisfy `found` (e.g. a trace is complete), and returns them. */
  async waitFor(found: (spans: ReceivedSpan[]) => boolean, what: string, timeoutMs = 60000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!found(this.spans)) {
      if (Date.now() > deadline) throw new Error(`OTLP receiver: no ${what} in ${this.spans.length} spans`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.spans;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(body: OtlpExport): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = String(attributes(resourceSpans.resource?.attributes)['service.name']);
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({ ...span, service, attributes: attributes(span.attributes) });
        }
      }
    }
  }
}
