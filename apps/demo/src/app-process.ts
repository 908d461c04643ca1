import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** A child process of the demo (worker, gateway), its output passed through to the terminal. */
export class AppProcess {
  readonly exited: Promise<number | null>;
  private seen = '';

  private constructor(
    private readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        this.seen = (this.seen + chunk.toString('utf8')).slice(-20000);
        process.stdout.write(chunk);
      });
    }
  }

  static start(name: string, entry: string, env: Record<string, string>, path: string | undefined): AppProcess {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', resolve(ROOT, entry)], {
      cwd: ROOT,
      env: { PATH: path ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(name, child);
  }

  /** Resolves when the process has printed `pattern`; rejects if it exits first. */
  async ready(pattern: RegExp, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    while (!pattern.test(this.seen)) {
      if (ended) throw new Error(`${this.name} exited during start-up`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not start within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15000);
    await this.exited;
    clearTimeout(timer);
  }
}
