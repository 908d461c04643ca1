import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written inside {@link withLogContext} carries, e.g. `{ jobId, requestId }`. */
export type LogContextFields = Record<string, string | number | boolean>;

const storage = new AsyncLocalStorage<LogContextFields>();

/**
 * Runs `work` so that every log line it writes, down every await and callback, carries `fields`
 * (merged over any enclosing context). Fields that are `null` or `undefined` are left out.
 */
export function withLogContext<T>(
  fields: Record<string, string | number | boolean | null | undefined>,
  work: () => T,
): T {
  const merged: LogContextFields = { ...storage.getStore() };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return storage.run(merged, work);
}

/** The fields of the innermost {@link withLogContext} around the caller, or an empty object. */
export function currentLogContext(): LogContextFields {
  return storage.getStore() ?? {};
}
