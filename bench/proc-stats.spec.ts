import { percentile, ProcessWatch, readProcess } from './proc-stats';

/** Busy-loops until this process has used `seconds` more CPU time (by Node's own count); answers that count. */
function burn(seconds: number): number {
  const start = process.cpuUsage();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const used = process.cpuUsage(start);
    const total = (used.user + used.system) / 1e6;
    if (total >= seconds || Date.now() > deadline) return total;
  }
}

describe('readProcess', () => {
  it('reads this process: its resident set, high-water mark and CPU time, which grows as it works', () => {
    const first = readProcess(process.pid)!;
    expect(first.rssKb).toBeGreaterThan(1024);
    expect(first.hwmKb).toBeGreaterThanOrEqual(first.rssKb);
    const used = burn(0.2);
    // /proc counts in clock ticks (10 ms): the same time to within a few of them.
    expect(readProcess(process.pid)!.cpuSeconds - first.cpuSeconds).toBeCloseTo(used, 1);
  });

  it('answers null for a process that does not exist', () => {
    expect(readProcess(2 ** 22 + 1)).toBeNull();
  });
});

describe('ProcessWatch', () => {
  it('gives the CPU used over the window, the peak resident set and runs the caller’s sampler', () => {
    let samples = 0;
    const watch = new ProcessWatch([process.pid], 10_000, () => (samples += 1));
    watch.start();
    const used = burn(0.2);
    const [usage] = watch.stop();
    expect(samples).toBe(2); // at the start and at the end
    expect(usage.cpuSeconds).toBeCloseTo(used, 1);
    expect(usage.peakRssKb).toBeGreaterThan(1024);
    expect(watch.peakSumKb).toBe(usage.peakRssKb);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBe(0);
  });
});
