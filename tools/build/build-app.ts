// Compiles one app, and the lib files it reaches, to plain CommonJS under dist/, laid out as the sources are
// (apps/<app>/src/x.ts → dist/apps/<app>/src/x.js, libs/<lib>/src/y.ts → dist/libs/<lib>/src/y.js), so the relative
// paths swc writes for the `@oshift/*` aliases (its own `jsc.paths`, from tsconfig.base.json) hold in dist/ too.
// dist/apps/<app>/main.js starts the app: production runs `node dist/apps/<app>/main.js` with no TypeScript, swc
// or path aliases at run time. Run by each app's Nx `build` target (nx.json): `npm run build` builds them all.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type Options, transformFile } from '@swc/core';
import { compilerOptions } from '../../tsconfig.base.json';

const ROOT = resolve(__dirname, '../..');
const DIST = join(ROOT, 'dist');
/** A relative `require` in swc's output: its own imports and the aliases it has rewritten. */
const RELATIVE_REQUIRE = /\brequire\("(\.{1,2}\/[^"]+)"\)/g;

/** The .ts source a relative specifier names (file or folder index), or undefined (JSON, anything else). */
function sourceOf(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts')].find(existsSync);
}

/** Compiles the files reachable from the app's main.ts; answers how many. */
export async function buildApp(app: string): Promise<number> {
  const entry = join(ROOT, 'apps', app, 'src', 'main.ts');
  if (!existsSync(entry)) throw new Error(`no app ${app} (apps/${app}/src/main.ts)`);
  rmSync(join(DIST, 'apps', app), { recursive: true, force: true });
  const swcrc = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8')) as Options;
  const jsc = { ...swcrc.jsc, baseUrl: ROOT, paths: compilerOptions.paths };
  const seen = new Set([entry]);
  for (const source of seen) {
    const output = join(DIST, relative(ROOT, source)).replace(/\.ts$/, '.js');
    // The map names its source relative to itself, as in the repository: no path of the machine that built it.
    const sourceFileName = relative(dirname(output), source);
    const { code, map } = await transformFile(source, {
      ...swcrc,
      jsc,
      swcrc: false,
      sourceMaps: true,
      sourceFileName,
    });
    for (const [, specifier] of code.matchAll(RELATIVE_REQUIRE)) {
      const target = sourceOf(source, specifier);
      if (!target) throw new Error(`${relative(ROOT, source)} requires ${specifier}, which is no TypeScript source`);
      seen.add(target);
    }
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${code}\n//# sourceMappingURL=${output.split('/').pop()}.map\n`);
    if (map) writeFileSync(`${output}.map`, map);
  }
  writeFileSync(join(DIST, 'apps', app, 'main.js'), "'use strict';\nrequire('./src/main');\n");
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
