import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/**
 * For specs: runs `script` in a fresh Node process started as `npm run worker` starts one (from the repository's
 * root, TypeScript through swc), with only `env` set (give it PATH), and parses the JSON line it prints on success.
 * Tracing is process-wide, so each case needs a process of its own.
 */
export function runFresh(script: string, env: Record<string, string>) {
  const run = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env,
    timeout: 60000,
  });
  return { status: run.status, stderr: run.stderr, result: run.status === 0 ? JSON.parse(run.stdout) : undefined };
}
