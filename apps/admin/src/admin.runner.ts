// The operator CLI as the admin specs run it: in this process (fast: a spawned process takes 1.5 to 4 s to start),
// or as the real process for the few promises about the process itself. Never reached from main.ts, never built.
import { Readable, Writable } from 'node:stream';
import { AppProcess } from '@oshift/testing';
import { AdminCli } from './admin.cli';
import { loadAdminConfig } from './admin.config';

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
 * The real process, as an operator runs it (`npm run admin -- …`): `input` piped on stdin, and `environment` (with
 * `env` over it) in its environment, through the testing lib's {@link AppProcess.run}.
 */
export function adminProcess(environment: Record<string, string>): AdminCommand {
  return (args, input = '', env = {}) =>
    AppProcess.run('apps/admin/src/main.ts', args, { env: { ...environment, ...env }, input });
}
