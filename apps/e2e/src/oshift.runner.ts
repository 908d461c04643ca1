import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { SystemUnderTest, TestUser } from './system-under-test';

const ROOT = resolve(__dirname, '../../..');

/** What one run of the CLI did. */
export interface OshiftRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `oshift` process from the repository (as `npm run oshift` does) with only `env` in
 * its environment, feeding `stdin` when given.
 */
export function oshift(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
  /** An installed `oshift` to run instead of the repository's sources. */
  bin?: string,
  /** Called with the standard output so far, each time more arrives. */
  onStdout?: (stdout: string) => void,
): Promise<OshiftRun> {
  const command = bin ? [bin] : [process.execPath, '-r', '@swc-node/register', resolve(ROOT, 'apps/cli/src/main.ts')];
  const child = spawn(command[0], [...command.slice(1), ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(stdin);
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The `OSHIFT_*` settings that point the CLI at `system` as `user`. */
export function settingsFor(system: SystemUnderTest, user: TestUser, baseUrl = system.baseUrl): Record<string, string> {
  return {
    OSHIFT_URL: baseUrl,
    OSHIFT_CLUSTER: system.clusterId,
    OSHIFT_USER: user.username,
    OSHIFT_PASSWORD: user.password,
  };
}
