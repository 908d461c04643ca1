import { SignInBusyError, VerificationQueue } from './verification-queue';

/** Work that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, work: () => opened.then(() => 'verified') };
}
const outcome = (work: Promise<unknown>) =>
  work.then(
    (value) => value,
    (error: unknown) => (error instanceof SignInBusyError ? 'busy' : String(error)),
  );

describe('VerificationQueue', () => {
  it('runs at most `concurrency` at once, lets `maxWaiting` wait, and refuses the next at once', async () => {
    const queue = new VerificationQueue({ concurrency: 2, maxWaiting: 1, maxWaitMs: 10_000 });
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g) => outcome(queue.run(g.work)));
    expect(queue.load).toEqual({ running: 2, waiting: 1 });
    const started = Date.now();
    expect(await outcome(queue.run(gate().work))).toBe('busy');
    expect(Date.now() - started).toBeLessThan(50);
    gates[0].open();
    expect(await runs[0]).toBe('verified');
    // The one waiting took the place that came free.
    expect(queue.load).toEqual({ running: 2, waiting: 0 });
    gates[1].open();
    gates[2].open();
    expect(await Promise.all(runs)).toEqual(['verified', 'verified', 'verified']);
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a verification whose turn does not come within maxWaitMs, and frees its place', async () => {
    const queue = new VerificationQueue({ concurrency: 1, maxWaiting: 4, maxWaitMs: 100 });
    const slow = gate();
    const running = outcome(queue.run(slow.work));
    const started = Date.now();
    expect(await outcome(queue.run(gate().work))).toBe('busy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(queue.load).toEqual({ running: 1, waiting: 0 });
    slow.open();
    expect(await running).toBe('verified');
    expect(await outcome(queue.run(async () => 'next'))).toBe('next');
  });

  it('frees the place of a verification that failed', async () => {
    const queue = new VerificationQueue({ concurrency: 1, maxWaiting: 0, maxWaitMs: 100 });
    expect(await outcome(queue.run(() => Promise.reject(new Error('database down'))))).toBe('Error: database down');
    expect(await outcome(queue.run(async () => 'next'))).toBe('next');
  });
});
