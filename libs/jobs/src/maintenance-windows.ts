import { IANAZone } from 'luxon';

/**
 * A cluster's maintenance windows: weekly spans of local time in an IANA time zone (`Mon-Fri 01:00-05:00
 * Europe/London`). Pure: the gateway (refusals, dry runs), the worker (admission, rolling pauses) and the policy
 * command read the same text the same way.
 *
 * Local times are turned into instants with the zone's rules (luxon's IANA zone data): a time the clocks skip
 * (spring forward) is the instant they jump (01:30 in London on the day clocks go from 01:00 to 02:00 is 02:00
 * BST), so a window keeps the part of its span that exists; a time the clocks pass twice (fall back) opens a
 * window at its first pass and closes one at its second, so a window never comes out shorter than its wall-clock
 * span. A window wholly inside a skipped hour does not open that day.
 */
export interface MaintenanceWindow {
  /** The window as written (whitespace normalised): what the policy stores and shows. */
  text: string;
  /** ISO weekdays the window opens on (1 Monday … 7 Sunday). */
  days: number[];
  /** Minutes after local midnight it opens, and closes (a close at or before the open is the next day's). */
  start: number;
  end: number;
  zone: string;
}

/** One opening of a window: from `opens` to `closes`, milliseconds since the epoch. */
export interface WindowOpening {
  opens: number;
  closes: number;
}

/** Where the windows stand at one instant. */
export type WindowStatus =
  | { open: true; closesAt: number }
  | {
      open: false;
      /** When a window opens next (null: none within the next weeks, say every one is inside a skipped hour). */
      nextOpen: number | null;
    };

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_MS = 24 * 3600 * 1000;
/** How far ahead the next opening is looked for: every weekly window opens within it. */
const LOOKAHEAD_DAYS = 15;

function dayNumber(name: string): number | null {
  const index = DAYS.indexOf(name.toLowerCase());
  return index < 0 ? null : index + 1;
}

/** `Mon-Fri`, `Sat,Sun`, `Mon,Wed-Fri`, `Fri-Mon` (wraps), or `daily`: the ISO weekdays, or null. */
function parseDays(text: string): number[] | null {
  if (text.toLowerCase() === 'daily') return [1, 2, 3, 4, 5, 6, 7];
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to, ...rest] = part.split('-');
    const first = dayNumber(from ?? '');
    const last = to === undefined ? first : dayNumber(to);
    if (first === null || last === null || rest.length > 0) return null;
    for (let day = first; ; day = (day % 7) + 1) {
      days.add(day);
      if (day === last) break;
    }
  }
  return [...days].sort();
}

function minutesOf(hours: string, minutes: string): number {
  return Number(hours) * 60 + Number(minutes);
}

/**
 * Reads a window: `<days> HH:MM-HH:MM <IANA zone>`, days as `Mon-Fri`, `Sat,Sun`, `daily`; `24:00` closes at
 * midnight; a close at or before the open closes the next day (`Sat 22:00-02:00 UTC`). Answers the window, or
 * why the text is not one.
 */
export function parseMaintenanceWindow(text: string): MaintenanceWindow | { error: string } {
  const normalised = text.trim().replace(/\s+/g, ' ');
  const match = /^(\S+) ([0-2]\d):([0-5]\d)-([0-2]\d):([0-5]\d) (\S+)$/.exec(normalised);
  const usage = `"${normalised.slice(0, 80)}" is not a window like "Mon-Fri 01:00-05:00 Europe/London"`;
  if (!match) return { error: usage };
  const [, dayText, startH, startM, endH, endM, zone] = match as unknown as string[];
  const days = parseDays(dayText!);
  if (!days) return { error: `${usage}: days are Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges like Mon-Fri, or daily` };
  const start = minutesOf(startH!, startM!);
  const end = minutesOf(endH!, endM!);
  if (start >= 24 * 60 || end > 24 * 60) return { error: `${usage}: times run from 00:00 to 24:00` };
  if (start === end) return { error: `${usage}: the window opens and closes at the same time` };
  if (!IANAZone.isValidZone(zone!)) return { error: `${usage}: ${zone} is not an IANA time zone` };
  return { text: normalised, days, start, end, zone: new IANAZone(zone!).name };
}

/**
 * The instant a local time of the zone names. `which` decides a time the clocks pass twice: `first` pass or
 * `last`. A time the clocks skip is the instant they jump (see the module).
 */
function instantOf(zone: IANAZone, localMs: number, which: 'first' | 'last'): number {
  const before = zone.offset(localMs - DAY_MS);
  const after = zone.offset(localMs + DAY_MS);
  const candidates = [before, after]
    .map((offset) => localMs - offset * 60_000)
    .filter((instant, index) => zone.offset(instant) === [before, after][index]);
  if (candidates.length > 0) return which === 'first' ? Math.min(...candidates) : Math.max(...candidates);
  // Skipped: the jump lies between the two readings; find it (to the millisecond).
  let low = Math.min(localMs - before * 60_000, localMs - after * 60_000);
  let high = Math.max(localMs - before * 60_000, localMs - after * 60_000);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle) === before) low = middle;
    else high = middle;
  }
  return high;
}

/** The window's openings that overlap `[from, to)`, in order. */
export function windowOpenings(window: MaintenanceWindow, from: number, to: number): WindowOpening[] {
  const zone = new IANAZone(window.zone);
  // Local calendar days, as UTC midnights, from two days before `from` (an opening may run past midnight).
  const localFrom = from + zone.offset(from) * 60_000;
  const firstDay = Math.floor(localFrom / DAY_MS) * DAY_MS - 2 * DAY_MS;
  const lastDay = to + zone.offset(to) * 60_000;
  const openings: WindowOpening[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const weekday = ((new Date(day).getUTCDay() + 6) % 7) + 1;
    if (!window.days.includes(weekday)) continue;
    const opens = instantOf(zone, day + window.start * 60_000, 'first');
    const closeDay = window.end <= window.start ? day + DAY_MS : day;
    const closes = instantOf(zone, closeDay + window.end * 60_000, 'last');
    if (closes > opens && closes > from && opens < to) openings.push({ opens, closes });
  }
  return openings;
}

/**
 * Whether a window is open at `at` (and until when, openings that touch counted as one), else when one opens
 * next. With no windows the cluster is always open (`closesAt` infinite).
 */
export function windowStatus(windows: readonly MaintenanceWindow[], at: number): WindowStatus {
  if (windows.length === 0) return { open: true, closesAt: Number.POSITIVE_INFINITY };
  const horizon = at + LOOKAHEAD_DAYS * DAY_MS;
  const openings = windows.flatMap((window) => windowOpenings(window, at, horizon)).sort((a, b) => a.opens - b.opens);
  let closesAt: number | null = null;
  for (const opening of openings) {
    if (closesAt === null && opening.opens <= at && at < opening.closes) closesAt = opening.closes;
    else if (closesAt !== null && opening.opens <= closesAt) closesAt = Math.max(closesAt, opening.closes);
  }
  if (closesAt !== null) return { open: true, closesAt };
  const next = openings.find((opening) => opening.opens > at);
  return { open: false, nextOpen: next ? next.opens : null };
}

/**
 * The next `count` openings of the windows from `at` on (the one open at `at` first), overlapping or touching
 * openings of different windows joined into one; within the next two weeks.
 */
export function upcomingOpenings(windows: readonly MaintenanceWindow[], at: number, count: number): WindowOpening[] {
  const horizon = at + LOOKAHEAD_DAYS * DAY_MS;
  const sorted = windows.flatMap((window) => windowOpenings(window, at, horizon)).sort((a, b) => a.opens - b.opens);
  const joined: WindowOpening[] = [];
  for (const opening of sorted) {
    const last = joined.at(-1);
    if (last && opening.opens <= last.closes) last.closes = Math.max(last.closes, opening.closes);
    else joined.push({ ...opening });
  }
  return joined.slice(0, count);
}

/** An instant as the window messages write it: RFC 3339 UTC to the minute (`2026-12-08T01:00Z`). */
export function windowTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(':00.000Z') ? `${iso.slice(0, 16)}Z` : `${iso.slice(0, 19)}Z`;
}
