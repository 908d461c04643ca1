// Compiles one app, and the libs it imports, to plain CommonJS under dist/apps/<app>/ (main.js first), so that
// production runs `node dist/apps/<app>/main.js` with no TypeScript, swc or path aliases at run time.
// Run by each app's Nx `build` target (nx.json, targetDefaults): `npm run build` builds them all.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { type Options, transformFile } from '@swc/core';
import { compilerOptions } from '../../tsconfig.base.json';

const ROOT = resolve(__dirname, '../..');
const ALIAS = /\brequire\((["'])(@oshift\/[\w-]+)\1\)/g;
const RELATIVE = /\brequire\((["'])(\.{1,2}\/[^"']+)\1\)/g;

/** Where a source file lands: apps/<app>/src/x.ts → dist/apps/<app>/x.js, libs/<lib>/src/x.ts → …/libs/<lib>/x.js. */
function outputOf(app: string, source: string): string {
  const path = relative(ROOT, source).split(sep).join('/');
  const inApp = new RegExp(`^apps/${app}/src/(.+)\\.ts$`).exec(path);
  const inLib = /^libs\/([\w-]+)\/src\/(.+)\.ts$/.exec(path);
  const out = inApp ? inApp[1] : inLib ? `libs/${inLib[1]}/${inLib[2]}` : undefined;
  if (!out) throw new Error(`${path} is neither in apps/${app}/src nor in a lib`);
  return join(ROOT, 'dist/apps', app, `${out}.js`);
}

/** The .ts file a relative or aliased import names, or undefined for anything else (JSON, packages). */
function sourceOf(from: string, specifier: string): string | undefined {
  const aliased = (compilerOptions.paths as Record<string, string[]>)[specifier]?.[0];
  const base = aliased ? join(ROOT, aliased) : resolve(dirname(from), specifier);
  return [base, `${base}.ts`, join(base, 'index.ts')].find((path) => path.endsWith('.ts') && existsSync(path));
}

function importPath(fromOutput: string, toOutput: string): string {
  const path = relative(dirname(fromOutput), toOutput).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/** Compiles the files reachable from the app's main.ts; answers how many. */
export async function buildApp(app: string): Promise<number> {
  const entry = join(ROOT, 'apps', app, 'src', 'main.ts');
  if (!existsSync(entry)) throw new Error(`no app ${app} (apps/${app}/src/main.ts)`);
  rmSync(join(ROOT, 'dist/apps', app), { recursive: true, force: true });
  const swcrc = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8')) as Options;
  const options: Options = { ...swcrc, swcrc: false, sourceMaps: true };
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let source = queue.shift(); source; source = queue.shift()) {
    const output = outputOf(app, source);
    const { code, map } = await transformFile(source, { ...options, filename: source });
    const rewrite = (statement: string, quote: string, specifier: string) => {
      const target = sourceOf(source!, specifier);
      if (!target) return statement;
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
      return `require(${quote}${importPath(output, outputOf(app, target).replace(/\.js$/, ''))}${quote})`;
    };
    const compiled = code.replace(ALIAS, rewrite).replace(RELATIVE, rewrite);
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${compiled}\n//# sourceMappingURL=${output.split(sep).pop()}.map\n`);
    if (map) writeFileSync(`${output}.map`, map);
  }
  return seen.size;
}

if (require.main === module) {
  const apps = process.argv.slice(2);
  if (apps.length === 0) {
    process.stderr.write('usage: build-app <app>...\n');
    process.exit(2);
  }
  (async () => {
    for (const app of apps) process.stdout.write(`dist/apps/${app}/main.js (${await buildApp(app)} files)\n`);
  })().catch((error: unknown) => {
    process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
