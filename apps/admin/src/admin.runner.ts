// The operator CLI as the admin specs run it: in this process (fast: a spawned process takes 1.5 to 4 s to start),
// or as the real process for the few promises about the process itself. Never reached from main.ts, never built.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { AdminCli } from './admin.cli';
import { loadAdminConfig } from './admin.config';

const ROOT = resolve(__dirname, '../../..');

/** What one run of the CLI did: its exit status and everything it wrote. */
export interface AdminRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command with `input` on stdin and `env` over the runner's environment. */
export type AdminCommand = (args: string[], input?: string, env?: Record<string, string>) => Promise<AdminRun>;

/**
 * The CLI run in this process, `new AdminCli(io, config).run(args)`: in-memory stdin, stdout and stderr, and its
 * configuration read from `environment` (with `env` over it) as main.ts reads it from the process's.
 */
export function adminInProcess(environment: Record<string, string>): AdminCommand {
  return async (args, input = '', env = {}) => {
    let stdout = '';
    let stderr = '';
    const sink = (write: (text: string) => void) =>
      new Writable({ write: (chunk: Buffer, _encoding, done) => (write(chunk.toString('utf8')), done()) });
    const io = {
      stdin: Readable.from([input]),
      stdout: sink((text) => (stdout += text)),
      stderr: sink((text) => (stderr += text)),
    };
    const status = await new AdminCli(io, () => loadAdminConfig({ ...environment, ...env })).run(args);
    return { status, stdout, stderr };
  };
}

/**
 * The real process, as an operator runs it (`npm run admin -- …`): `input` piped on stdin, and only
 * `environment` (with `env` over it) in its environment.
 */
export function adminProcess(environment: Record<string, string>): AdminCommand {
  return (args, input = '', env = {}) =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/admin/src/main.ts', ...args], {
        cwd: ROOT,
        env: { ...environment, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('error', fail);
      child.once('close', (status) => done({ status, stdout, stderr }));
      child.stdin.end(input);
    });
}
