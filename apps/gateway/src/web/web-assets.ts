import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One file of the page, held in memory with its validator. */
export interface WebAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The customers' web page (apps/web): its files read once at start from `root` (only the page's own kinds of
 * file, no subfolders, so no path from a request ever reaches the file system).
 */
export class WebAssets {
  private readonly files = new Map<string, WebAsset>();

  constructor(root: string | undefined) {
    if (!root || !existsSync(join(root, 'index.html'))) return;
    for (const name of readdirSync(root)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (!contentType) continue;
      const body = readFileSync(join(root, name));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      this.files.set(name, { body, contentType, etag });
    }
  }

  /** Whether the page is there to serve. */
  get available(): boolean {
    return this.files.has('index.html');
  }

  get(name: string): WebAsset | undefined {
    return this.files.get(name);
  }
}
