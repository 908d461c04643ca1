type NestLogLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

const NEST_LEVELS: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const RANK: Record<string, number> = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };

/** Nest logger levels at and above a configured LOG_LEVEL (fatal … trace). */
export function nestLogLevels(level: string): NestLogLevel[] {
  return NEST_LEVELS.slice(0, (RANK[level] ?? 3) + 1);
}
