import fc from 'fast-check';
import { statusLineDue } from './status-cadence';

const EVERY = 10_000;
const at = (ms: number) => new Date(ms);

describe('statusLineDue', () => {
  it('says the first status, and every change at once', () => {
    expect(statusLineDue({ statusLine: null, statusLineAt: null }, 'worker-0 REBOOT', 0, EVERY)).toBe(true);
    const last = { statusLine: 'worker-0 REBOOT', statusLineAt: at(1_000) };
    expect(statusLineDue(last, 'worker-0 ACTIVE', 1_001, EVERY)).toBe(true);
    expect(statusLineDue(last, 'worker-0 HARD_REBOOT', 1_001, EVERY)).toBe(true);
  });

  it('says an unchanged status again once OUTPUT_LINE_SECONDS have passed since it was written', () => {
    const last = { statusLine: 'worker-0 REBOOT', statusLineAt: at(1_000) };
    expect(statusLineDue(last, 'worker-0 REBOOT', 1_000 + EVERY - 1, EVERY)).toBe(false);
    expect(statusLineDue(last, 'worker-0 REBOOT', 1_000 + EVERY, EVERY)).toBe(true);
    // 0: a status line every poll, as before the cadence.
    expect(statusLineDue(last, 'worker-0 REBOOT', 1_000, 0)).toBe(true);
  });

  it('over any run of polls: every change written, the same status never twice within the cadence nor missing longer than a cadence and a poll', () => {
    const poll = fc.record({ gapMs: fc.integer({ min: 1, max: 3_000 }), status: fc.constantFrom('REBOOT', 'ACTIVE') });
    fc.assert(
      fc.property(
        fc.array(poll, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 20_000 }),
        (polls, every) => {
          // The row is all there is between polls: any poll may be made by another worker.
          let row = { statusLine: null as string | null, statusLineAt: null as Date | null };
          let now = 0;
          let previous: string | null = null;
          const written: { line: string; atMs: number }[] = [];
          for (const { gapMs, status } of polls) {
            now += gapMs;
            const line = `worker-0 ${status}`;
            const due = statusLineDue(row, line, now, every);
            if (line !== previous) expect(due).toBe(true);
            if (due) {
              written.push({ line, atMs: now });
              row = { statusLine: line, statusLineAt: at(now) };
            } else {
              const last = written.at(-1)!;
              expect(last.line).toBe(line);
              expect(now - last.atMs).toBeLessThan(every);
            }
            previous = line;
          }
          for (const [index, line] of written.entries()) {
            const before = written[index - 1];
            if (before?.line === line.line) {
              expect(line.atMs - before.atMs).toBeGreaterThanOrEqual(every);
              expect(line.atMs - before.atMs).toBeLessThan(every + 3_000 + 1);
            }
          }
        },
      ),
    );
  });
});
