import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

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

/** The processes whose command name (`comm`, as `ps -o comm` shows it) is `name`: every `postgres` backend, say. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

/** CPU seconds the whole machine has spent busy (every core; /proc/stat's first line without idle and iowait). */
export function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user + nice + system + irq + softirq + steal) / clockTicks();
}

/**
 * Cores each part of a system used over a window: named groups of processes, looked up again at the end (a
 * process that began in the window counts from its start; one that ended in it is missed: Postgres's pooled
 * backends stay), and the whole machine beside them, which holds what the groups do not (other processes, the
 * kernel's own work).
 */
export class CoreShares {
  private readonly first = new Map<string, Map<number, number>>();
  private machineFirst = 0;
  private startedAt = 0;

  constructor(private readonly groups: Record<string, () => readonly number[]>) {}

  start(): void {
    for (const [name, pids] of Object.entries(this.groups)) this.first.set(name, cpuPerPid(pids()));
    this.machineFirst = machineBusySeconds();
    this.startedAt = Date.now();
  }

  /** Cores per group, and `machine`, over the window. */
  stop(): Record<string, number> {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const cores: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.groups)) {
      const before = this.first.get(name) ?? new Map<number, number>();
      let used = 0;
      for (const [pid, cpu] of cpuPerPid(pids())) used += cpu - (before.get(pid) ?? 0);
      cores[name] = round2(used / seconds);
    }
    cores.machine = round2((machineBusySeconds() - this.machineFirst) / seconds);
    return cores;
  }
}

function cpuPerPid(pids: readonly number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    const reading = readProcess(pid);
    if (reading) cpu.set(pid, reading.cpuSeconds);
  }
  return cpu;
}

/**
 * Asks a process's probe preload for what it holds: SIGWINCH, then the JSON it writes to `file`, read once it is
 * there (waiting at most `waitMs`) and removed.
 */
export async function readProbe<T>(pid: number, file: string, waitMs = 1000): Promise<T> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  rmSync(file, { force: true });
  process.kill(pid, 'SIGWINCH');
  for (let waited = 0; !existsSync(file) && waited < waitMs; waited += 20) await pause(20);
  // The file may exist before the probe has finished writing it.
  await pause(20);
  const content = JSON.parse(readFileSync(file, 'utf8')) as T;
  rmSync(file, { force: true });
  return content;
}

/** `value` to two decimals. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
