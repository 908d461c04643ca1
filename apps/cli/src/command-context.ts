import type { Readable, Writable } from 'node:stream';
import { ApiClient } from './api.client';
import { clusterOf, connection, type ConnectionFlags, type environment } from './cli.config';
import { usageError } from './exit-codes';
import { TerminalOutput } from './terminal-output';

/** The process's streams and environment, given to the CLI (tests give their own). */
export interface CliIo {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  env: ReturnType<typeof environment>;
}

/** Options every command takes. */
export interface GlobalFlags extends ConnectionFlags {
  output: 'table' | 'json';
}

/** The first line of stdin (`--password-stdin`), without its line ending. */
async function firstLine(stdin: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 65536) break;
  }
  stdin.destroy();
  return text.split(/\r?\n/)[0];
}

/** What a command needs: the API, its cluster, and where to write for people or for scripts. */
export class CommandContext {
  readonly out: TerminalOutput;
  readonly err: TerminalOutput;

  constructor(
    private readonly io: CliIo,
    readonly flags: GlobalFlags,
  ) {
    this.out = new TerminalOutput(io.stdout, Boolean(io.stdout.isTTY) && !io.env.noColor);
    this.err = new TerminalOutput(io.stderr, false);
  }

  get json(): boolean {
    return this.flags.output === 'json';
  }

  private client?: Promise<ApiClient>;

  /** The API client, built once (stdin holds the password only once). */
  api(): Promise<ApiClient> {
    this.client ??= connection(this.flags, this.io.env, () => firstLine(this.io.stdin)).then(
      (settings) => new ApiClient(settings),
    );
    return this.client;
  }

  /** `/api/openshift/<cluster>`, the prefix of the cluster's calls. */
  clusterPath(): string {
    return `/api/openshift/${encodeURIComponent(clusterOf(this.flags, this.io.env))}`;
  }

  /** An API answer (JSON) for scripts, as it came but for control characters, written as `\u` escapes. */
  raw(text: string): void {
    this.out.json(text.replace(/\n$/, ''));
  }
}

/** A whole number of seconds or items from a flag, or a usage error naming the flag. */
export function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw usageError(`${flag} must be a positive whole number`);
  return number;
}
