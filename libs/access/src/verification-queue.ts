/** Limits of the password verifications one process runs (argon2 is slow on purpose). */
export interface VerificationLimits {
  /** Verifications running at once. */
  concurrency: number;
  /** Verifications waiting for a place; one more is refused at once. */
  maxWaiting: number;
  /** Longest a verification waits for a place before it is refused. */
  maxWaitMs: number;
}

/** Too many sign-ins are being verified: the caller should come back in `retryAfterSeconds`. */
export class SignInBusyError extends Error {
  override readonly name = 'SignInBusyError';
  readonly retryAfterSeconds = 1;
  constructor() {
    super('Too many sign-ins at once, try again shortly');
  }
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A bounded queue in front of password verification: at most `concurrency` run, at most `maxWaiting` wait, and
 * none waits longer than `maxWaitMs`; anything beyond is refused with {@link SignInBusyError} at once. So a
 * flood of sign-ins costs a bounded amount of CPU, and every caller gets an answer within `maxWaitMs` plus
 * one verification, whether the flood goes on or not.
 */
export class VerificationQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: VerificationLimits) {}

  /** Runs `work` when a place is free; throws {@link SignInBusyError} when none is free soon enough. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.admit();
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.startWaiting();
    }
  }

  /** Verifications running and waiting right now (for metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private admit(): Promise<void> {
    if (this.running < this.limits.concurrency && this.waiting.length === 0) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxWaiting) return Promise.reject(new SignInBusyError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new SignInBusyError());
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private startWaiting(): void {
    while (this.running < this.limits.concurrency && this.waiting.length > 0) {
      const waiter = this.waiting.shift() as Waiter;
      clearTimeout(waiter.timer);
      this.running += 1;
      waiter.start();
    }
  }
}
