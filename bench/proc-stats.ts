import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What /proc tells of one process at one moment (Linux). */
export interface ProcessReading {
  /** Resident set now (`VmRSS`), kB. */
  rssKb: number;
  /** The most it has been resident since it started (`VmHWM`), kB. */
  hwmKb: number;
  /** CPU time it has used, user and system (`utime` + `stime` of /proc/<pid>/stat), seconds. */
  cpuSeconds: number;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on every Linux this runs on). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Reads one process's memory and CPU time; null when it is gone. */
export function readProcess(pid: number): ProcessReading | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, so 12 and 13 after the state (field 3).
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), cpuSeconds: ticks / clockTicks() };
  } catch {
    return null;
  }
}

/** Per process over a watched window: the highest resident set sampled, the high-water mark, CPU seconds used. */
export interface ProcessUsage {
  pid: number;
  peakRssKb: number;
  hwmKb: number;
  cpuSeconds: number;
}

/**
 * Watches processes over a window: CPU time from its start to its end, and their resident set sampled every
 * `everyMs` (and at both ends), for the peak. `onSample` runs at each sample too, for the caller's own figures.
 */
export class ProcessWatch {
  private readonly first = new Map<number, ProcessReading>();
  private readonly peak = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private peakSum = 0;

  constructor(
    private readonly pids: readonly number[],
    private readonly everyMs = 1000,
    private readonly onSample?: () => void,
  ) {}

  start(): void {
    for (const pid of this.pids) {
      const reading = readProcess(pid);
      if (reading) this.first.set(pid, reading);
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  /** Ends the window; what each process used in it. */
  stop(): ProcessUsage[] {
    clearInterval(this.timer);
    this.sample();
    return this.pids.map((pid) => {
      const [start, end] = [this.first.get(pid), readProcess(pid)];
      return {
        pid,
        peakRssKb: this.peak.get(pid) ?? 0,
        hwmKb: end?.hwmKb ?? 0,
        cpuSeconds: start && end ? end.cpuSeconds - start.cpuSeconds : 0,
      };
    });
  }

  /** The highest sum of the processes' resident sets at one sample, kB. */
  get peakSumKb(): number {
    return this.peakSum;
  }

  private sample(): void {
    let sum = 0;
    for (const pid of this.pids) {
      const rss = readProcess(pid)?.rssKb ?? 0;
      sum += rss;
      this.peak.set(pid, Math.max(this.peak.get(pid) ?? 0, rss));
    }
    this.peakSum = Math.max(this.peakSum, sum);
    this.onSample?.();
  }
}

/** The value at `share` (0..1) of the sorted values, nearest rank; 0 for none. */
export function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(share * sorted.length));
  return sorted[rank - 1];
}
