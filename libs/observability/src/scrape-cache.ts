/**
 * Wraps an expensive read (a count over Postgres, a round trip to Redis) so that scrapes closer together
 * than `ttlMs` share one result, and concurrent scrapes share one read in flight.
 */
export function cachedRead<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const time = now();
    if (cached && time - cached.at < ttlMs) return cached.value;
    const value = read();
    const entry = { at: time, value };
    cached = entry;
    // A failed read is not kept: the next scrape tries again.
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
