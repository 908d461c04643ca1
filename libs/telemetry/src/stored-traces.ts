import type { Attributes, Context, Link } from '@opentelemetry/api';
import { ProcessTracing } from './process-tracing';

/** What a span records of the work it covers, set once the work knows it (nothing happens with tracing off). */
export type SpanNotes = (attributes: Attributes) => void;

const IGNORE: SpanNotes = () => undefined;

// Loaded on first use, and only in a process that traces.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const otel = () => require('@opentelemetry/api') as typeof import('@opentelemetry/api');

/** The context a stored `traceparent` names (valid or not: callers check). */
function contextOf(traceparent: string): Context {
  const { propagation, ROOT_CONTEXT } = otel();
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** Runs `work` as the active span `name` under `parent`, ended (with any error recorded) when the work settles. */
function inSpan<T>(
  name: string,
  parent: Context,
  options: { attributes: Attributes; links?: Link[] },
  work: (notes: SpanNotes) => Promise<T>,
): Promise<T> {
  const { trace, SpanStatusCode } = otel();
  return trace.getTracer('oshift').startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work((attributes) => span.setAttributes(attributes));
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Traces kept with a record (a job's `trace_context`) so that later work done outside any trace (a watcher's
 * poll) joins the trace the record was handled in. Everything here does nothing, and loads nothing, when the
 * process does not trace.
 */
export const StoredTraces = {
  /** The W3C `traceparent` of the active span, to keep with a record; undefined when there is none. */
  current(): string | undefined {
    if (!ProcessTracing.on) return undefined;
    const carrier: { traceparent?: string } = {};
    otel().propagation.inject(otel().context.active(), carrier);
    return carrier.traceparent;
  },

  /**
   * Runs `work` in a span `name` whose parent is the stored trace `traceparent`; just runs it when there is no
   * stored trace (or tracing is off), so work on records never traced starts no trace of its own.
   */
  continue<T>(
    traceparent: string | null | undefined,
    name: string,
    attributes: Attributes,
    work: (notes: SpanNotes) => Promise<T>,
  ): Promise<T> {
    if (!ProcessTracing.on || !traceparent) return work(IGNORE);
    const parent = contextOf(traceparent);
    if (!otel().trace.getSpanContext(parent)) return work(IGNORE);
    return inSpan(name, parent, { attributes }, work);
  },

  /**
   * Runs `work` in a new trace's span `name` linked to each stored trace of `traceparents` (work done once for
   * many records, as one poll for many jobs); just runs it when none of them is stored (or tracing is off).
   */
  linked<T>(
    traceparents: (string | null | undefined)[],
    name: string,
    attributes: Attributes,
    work: (notes: SpanNotes) => Promise<T>,
  ): Promise<T> {
    if (!ProcessTracing.on) return work(IGNORE);
    const { trace, ROOT_CONTEXT } = otel();
    const links = traceparents.flatMap((traceparent) => {
      const linked = traceparent ? trace.getSpanContext(contextOf(traceparent)) : undefined;
      return linked ? [{ context: linked }] : [];
    });
    if (links.length === 0) return work(IGNORE);
    return inSpan(name, ROOT_CONTEXT, { attributes, links }, work);
  },
};
