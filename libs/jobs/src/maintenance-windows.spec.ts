import {
  type MaintenanceWindow,
  parseMaintenanceWindow,
  windowOpenings,
  windowStatus,
  windowTime,
} from './maintenance-windows';
import { windowDecision } from './reboot-admission';
import { DEFAULT_REBOOT_POLICY, parseRebootPolicy, storedRebootPolicy } from './reboot-policy';

const at = (iso: string) => Date.parse(iso);
const window = (text: string): MaintenanceWindow => {
  const parsed = parseMaintenanceWindow(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
};
/** The openings on one UTC day span, as RFC 3339 pairs. */
const openings = (text: string, from: string, to: string) =>
  windowOpenings(window(text), at(from), at(to)).map(({ opens, closes }) => [
    new Date(opens).toISOString(),
    new Date(closes).toISOString(),
  ]);

describe('maintenance window text', () => {
  it('reads days, times and the zone', () => {
    expect(window('Mon-Fri 01:00-05:00 Europe/London')).toEqual({
      text: 'Mon-Fri 01:00-05:00 Europe/London',
      days: [1, 2, 3, 4, 5],
      start: 60,
      end: 300,
      zone: 'Europe/London',
    });
    expect(window('  sat,SUN   22:00-02:00  UTC ').days).toEqual([6, 7]);
    expect(window('Fri-Mon 00:00-24:00 America/New_York').days).toEqual([1, 5, 6, 7]);
    expect(window('daily 03:00-04:00 Asia/Tokyo').days).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it.each([
    ['Mon-Fri 1:00-05:00 Europe/London', 'is not a window like "Mon-Fri 01:00-05:00 Europe/London"'],
    ['Someday 01:00-05:00 Europe/London', 'days are Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges like Mon-Fri, or daily'],
    ['Mon 25:00-05:00 Europe/London', 'times run from 00:00 to 24:00'],
    ['Mon 05:00-05:00 Europe/London', 'the window opens and closes at the same time'],
    ['Mon 01:00-05:00 Europe/Atlantis', 'Europe/Atlantis is not an IANA time zone'],
  ])('refuses %s', (text, why) => {
    const parsed = parseMaintenanceWindow(text);
    expect('error' in parsed && parsed.error).toContain(why);
  });

  it('is part of the stored policy, and a bad one is refused with the reason', () => {
    const policy = parseRebootPolicy({ windows: ['Mon-Fri 01:00-05:00 Europe/London'], allow_window_override: false });
    expect(policy.windows.map((w) => w.text)).toEqual(['Mon-Fri 01:00-05:00 Europe/London']);
    expect(policy.allowWindowOverride).toBe(false);
    expect(storedRebootPolicy(policy)).toMatchObject({
      windows: ['Mon-Fri 01:00-05:00 Europe/London'],
      allow_window_override: false,
    });
    expect(() => parseRebootPolicy({ windows: ['Mon 01:00-05:00 Mars/Olympus'] })).toThrow(
      'windows.0: "Mon 01:00-05:00 Mars/Olympus" is not a window like "Mon-Fri 01:00-05:00 Europe/London": Mars/Olympus is not an IANA time zone',
    );
    expect(DEFAULT_REBOOT_POLICY.windows).toEqual([]);
  });
});

describe('maintenance windows across daylight-saving changes', () => {
  // Europe/London: 2026-03-29 01:00 GMT → 02:00 BST; 2026-10-25 02:00 BST → 01:00 GMT.
  // America/New_York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.

  it('London: a weekday window keeps its local hours on both sides of the spring change', () => {
    const text = 'Mon-Fri 01:00-05:00 Europe/London';
    expect(openings(text, '2026-03-27T00:00Z', '2026-03-27T23:00Z')).toEqual([
      ['2026-03-27T01:00:00.000Z', '2026-03-27T05:00:00.000Z'],
    ]);
    expect(openings(text, '2026-03-30T00:00Z', '2026-03-30T23:00Z')).toEqual([
      ['2026-03-30T00:00:00.000Z', '2026-03-30T04:00:00.000Z'],
    ]);
    // From the Saturday between, the next opening is Monday 01:00 BST.
    expect(windowStatus([window(text)], at('2026-03-28T12:00Z'))).toEqual({
      open: false,
      nextOpen: at('2026-03-30T00:00Z'),
    });
  });

  it('London: a window spanning the skipped hour opens at the jump and keeps what exists', () => {
    // 00:30 GMT to 03:00 BST: two real hours and a half less the skipped one.
    expect(openings('Sun 00:30-03:00 Europe/London', '2026-03-29T00:00Z', '2026-03-29T12:00Z')).toEqual([
      ['2026-03-29T00:30:00.000Z', '2026-03-29T02:00:00.000Z'],
    ]);
    // 01:30 does not exist that day: the window opens when the clocks jump to 02:00 BST.
    expect(openings('Sun 01:30-02:30 Europe/London', '2026-03-29T00:00Z', '2026-03-29T12:00Z')).toEqual([
      ['2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z'],
    ]);
    // Wholly inside the skipped hour: it does not open that day, and the next one is a week later.
    expect(openings('Sun 01:15-01:45 Europe/London', '2026-03-29T00:00Z', '2026-03-29T12:00Z')).toEqual([]);
    expect(windowStatus([window('Sun 01:15-01:45 Europe/London')], at('2026-03-29T00:00Z'))).toEqual({
      open: false,
      nextOpen: at('2026-04-05T00:15Z'),
    });
  });

  it('London: a window across the repeated hour opens at its first pass and closes at its second', () => {
    expect(openings('Sun 00:30-01:30 Europe/London', '2026-10-24T12:00Z', '2026-10-25T12:00Z')).toEqual([
      ['2026-10-24T23:30:00.000Z', '2026-10-25T01:30:00.000Z'],
    ]);
    const status = windowStatus([window('Sun 00:30-01:30 Europe/London')], at('2026-10-25T01:10Z'));
    expect(status).toEqual({ open: true, closesAt: at('2026-10-25T01:30Z') });
  });

  it('New York: a window spanning the skipped hour is two real hours, the repeated one four', () => {
    const text = 'Sun 01:00-04:00 America/New_York';
    expect(openings(text, '2026-03-08T00:00Z', '2026-03-08T23:00Z')).toEqual([
      ['2026-03-08T06:00:00.000Z', '2026-03-08T08:00:00.000Z'],
    ]);
    expect(openings(text, '2026-11-01T00:00Z', '2026-11-01T23:00Z')).toEqual([
      ['2026-11-01T05:00:00.000Z', '2026-11-01T09:00:00.000Z'],
    ]);
    // Inside the repeated hour, during its second pass, the window is still open.
    expect(windowStatus([window(text)], at('2026-11-01T06:30Z'))).toEqual({
      open: true,
      closesAt: at('2026-11-01T09:00Z'),
    });
  });

  it('New York: an overnight window crosses the spring change into the next day', () => {
    expect(openings('Sat 22:00-06:00 America/New_York', '2026-03-07T12:00Z', '2026-03-09T00:00Z')).toEqual([
      ['2026-03-08T03:00:00.000Z', '2026-03-08T10:00:00.000Z'],
    ]);
  });
});

describe('windowStatus and windowDecision', () => {
  const policy = parseRebootPolicy({ windows: ['Tue 01:00-05:00 Europe/London', 'Tue 04:00-06:00 UTC'] });

  it('joins windows that touch, and names the next opening', () => {
    expect(windowStatus(policy.windows, at('2026-12-08T02:00Z'))).toEqual({
      open: true,
      closesAt: at('2026-12-08T06:00Z'),
    });
    expect(windowStatus(policy.windows, at('2026-12-06T09:00Z'))).toEqual({
      open: false,
      nextOpen: at('2026-12-08T01:00Z'),
    });
    expect(windowStatus([], at('2026-12-06T09:00Z'))).toEqual({ open: true, closesAt: Number.POSITIVE_INFINITY });
  });

  it('waits for the next window, refuses when it opens after the deadline, and steps aside for an override', () => {
    const now = at('2026-12-06T09:00Z');
    expect(windowDecision(policy, now, at('2026-12-08T03:00Z'))).toEqual({
      would: 'wait',
      reason: 'outside the maintenance window; next opens 2026-12-08T01:00Z',
    });
    expect(windowDecision(policy, now, at('2026-12-06T10:00Z'))).toEqual({
      would: 'refuse',
      reason:
        "outside the maintenance window; the next opens 2026-12-08T01:00Z, after the job's deadline (2026-12-06T10:00Z)",
    });
    expect(windowDecision(policy, now, at('2026-12-06T10:00Z'), true)).toBeNull();
    expect(windowDecision(policy, at('2026-12-08T01:00Z'), null)).toBeNull();
    expect(windowTime(at('2026-12-08T01:00:30Z'))).toBe('2026-12-08T01:00:30Z');
  });
});
