interface PendingDelay {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

/**
 * Chance and delay for the fault knobs. Delays are unref'd and all released at {@link close}, so neither a test
 * runner nor a shutdown waits for a simulated slow answer.
 */
export class FaultInjector {
  private readonly pending = new Set<PendingDelay>();
  private closed = false;

  constructor(private readonly random: () => number = Math.random) {}

  /** True with probability `rate` (0 never, 1 always). */
  chance(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    return this.random() < rate;
  }

  /** Waits `ms`, or less if the simulator closes meanwhile. */
  delay(ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry: PendingDelay = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      entry.timer.unref();
      this.pending.add(entry);
    });
  }

  /** True once the simulator is closing: handlers then drop their connection rather than answer. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Releases every pending delay. */
  close(): void {
    this.closed = true;
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.pending.clear();
  }
}
