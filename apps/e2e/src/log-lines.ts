import type { AppProcess } from '@oshift/testing';

/** One structured log line of a process (pino JSON). */
export type LogLine = Record<string, unknown> & { level: string; msg?: string };

/** The JSON log lines a process has written so far (anything else it printed is skipped). */
export function logLines(process: AppProcess): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of process.logs.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut mid-write: the next read has it whole
    }
  }
  return lines;
}
