import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';

const ROOT = resolve(__dirname, '../../..');

/** Debian's chromium (`.ci/run` installs it); `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A real headless Chromium for page tests, driven by playwright-core, with nothing of its own phoning home. */
export async function launchChromium(): Promise<Browser> {
  // Loaded here, not with the testing lib: only page tests pay for it.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** `tmp/test-output/<suite>` (ignored by git), created empty-or-existing: where a suite leaves screenshots. */
export function testOutputDir(suite: string): string {
  const dir = resolve(ROOT, 'tmp/test-output', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}
