import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The demo's `CLUSTER_SECRET_KEY`: the one set in the environment, else one made at the first `npm start` and kept
 * in the data folder (readable by its owner only), so that webhooks added in an earlier run (their signing secrets
 * sealed with it) still deliver after a restart.
 */
export function demoSecretKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'cluster-secret-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
