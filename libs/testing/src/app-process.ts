import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** One of the project's processes, started the way operators start it, with its output captured. */
export class AppProcess {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  /**
   * Starts `entry` with `env` added to a minimal environment: a TypeScript file under the repo (run from its
   * sources), or a built `.js` file (run by plain Node, as the image runs it).
   */
  static start(name: string, entry: string, env: Record<string, string>): AppProcess {
    return new AppProcess(name, spawnEntry(entry, [], env, 'ignore'));
  }

  /** Runs `entry` with `args` to its end, `input` on its stdin (a CLI, the way an operator runs it). */
  static run(
    entry: string,
    args: string[],
    options: { env?: Record<string, string>; input?: string } = {},
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawnEntry(entry, args, options.env ?? {}, 'pipe');
    const written = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    child.stdout?.on('data', (chunk: Buffer) => written.stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => written.stderr.push(chunk));
    child.stdin?.end(options.input ?? '');
    return new Promise((done, fail) => {
      child.once('error', fail);
      child.once('close', (status) =>
        done({
          status,
          stdout: Buffer.concat(written.stdout).toString(),
          stderr: Buffer.concat(written.stderr).toString(),
        }),
      );
    });
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything the process wrote so far (stdout and stderr). */
  get logs(): string {
    return this.output;
  }

  /** Resolves once the output contains `pattern`; rejects when the process exits or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs = 30000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code ?? -1));
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (exitCode !== undefined)
        throw new Error(`${this.name} exited (${exitCode}) before ${pattern}:\n${this.output.slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name} did not print ${pattern} in time:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function spawnEntry(
  entry: string,
  args: string[],
  env: Record<string, string>,
  stdin: 'ignore' | 'pipe',
): ChildProcess {
  const register = entry.endsWith('.js') ? [] : ['-r', '@swc-node/register'];
  return spawn(process.execPath, [...register, resolve(ROOT, entry), ...args], {
    cwd: ROOT,
    // Workers serve health and metrics, gateways their metrics, on a port of their own: any free one, so several
    // can run at once.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', WORKER_HTTP_PORT: '0', METRICS_PORT: '0', ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
}
