import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder of the copied public OpenStack samples (see its README.txt for provenance). */
export const SAMPLES_DIR = join(__dirname, '..', 'test-fixtures', 'openstack-samples');

/** Reads a sample as text, e.g. `sampleText('keystone/admin-auth-password-user-name-unscoped-response-HTTP.txt')`. */
export function sampleText(path: string): string {
  return readFileSync(join(SAMPLES_DIR, path), 'utf8');
}

/** Reads and parses a JSON sample, e.g. `sample('nova/servers-details-resp.v2.1.json')`. */
// Samples are read field by field in the specs: `any` keeps them short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sample<T = any>(path: string): T {
  return JSON.parse(sampleText(path)) as T;
}
