import type { Readable, Writable } from 'node:stream';
import { ApiClient } from './api.client';
import { clusterOf, connection, type ConnectionFlags, type environment } from './cli.config';
import { configFile, loadProfile, type ProfileSettings } from './cli-profile';
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
  output: OutputFormat;
  debug?: boolean;
}

/** `-o`: for people (table), or for scripts (json, yaml). */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

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

  /** Whether the output is for scripts (`-o json` or `-o yaml`): the API's answers, not tables. */
  get forScripts(): boolean {
    return this.flags.output !== 'table';
  }

  private client?: Promise<ApiClient>;
  private profileSettings?: ProfileSettings;

  /** `--debug`: a line on stderr (never stdout, which scripts read); nothing without the flag. */
  debug(text: string): void {
    if (this.flags.debug) this.err.line(`debug: ${text}`);
  }

  /** The profile's settings (none without a profile), read once, when a command first needs a setting. */
  private profile(): ProfileSettings {
    if (!this.profileSettings) {
      const file = configFile(this.io.env);
      const profile = loadProfile(file, this.flags.profile || this.io.env.profile);
      this.debug(profile ? `profile ${profile.name} from ${file}` : `no profile (${file})`);
      this.profileSettings = profile?.settings ?? {};
    }
    return this.profileSettings;
  }

  /** The API client, built once (stdin holds the password only once). */
  api(): Promise<ApiClient> {
    this.client ??= Promise.resolve()
      .then(() => connection(this.flags, this.io.env, this.profile(), () => firstLine(this.io.stdin)))
      .then(
        (settings) => new ApiClient(settings, undefined, this.flags.debug ? (line) => this.debug(line) : undefined),
      );
    return this.client;
  }

  /** `/api/openshift/<cluster>`, the prefix of the cluster's calls. */
  clusterPath(): string {
    return `/api/openshift/${encodeURIComponent(clusterOf(this.flags, this.io.env, this.profile()))}`;
  }

  /**
   * An API answer (JSON) for scripts: with `-o json` as it came but for control characters, written as `\u`
   * escapes; with `-o yaml` the same value as a YAML document.
   */
  raw(text: string): void {
    if (this.flags.output === 'yaml') this.out.yaml(JSON.parse(text));
    else this.out.json(text.replace(/\n$/, ''));
  }

  /** A value of the CLI's own (a job's line, its end) for scripts: one JSON line, or one YAML document. */
  record(value: unknown): void {
    if (this.flags.output === 'yaml') this.out.yaml(value);
    else this.out.json(JSON.stringify(value));
  }
}

/** A whole number of seconds or items from a flag, or a usage error naming the flag. */
export function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw usageError(`${flag} must be a positive whole number`);
  return number;
}
