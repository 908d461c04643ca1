// `BENCH_GATEWAY_NODE_OPTIONS="-r ./bench/memory-probe.preload.cjs"` (bench/gateway-memory.ts): on SIGWINCH (not SIGUSR2, which
// Nest's shutdown hooks take) the gateway writes `gateway-<pid>.memory.json` (process.memoryUsage() and V8's heap spaces) to the working directory;
// when `gateway-<pid>.snapshot-wanted` is there, it writes a heap snapshot too (`gateway-<pid>.heapsnapshot`).
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (`-r`), loaded before any loader */
const { existsSync, rmSync, statSync, writeFileSync } = require('node:fs');
const v8 = require('node:v8');

process.on('SIGWINCH', () => {
  const base = `${process.cwd()}/gateway-${process.pid}`;
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  if (existsSync(`${base}.snapshot-wanted`)) {
    rmSync(`${base}.snapshot-wanted`);
    v8.writeHeapSnapshot(`${base}.heapsnapshot`);
  }
  // The CommonJS modules loaded so far, by package: how much code the process carries.
  const packages = {};
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf('/node_modules/');
    const rest = at < 0 ? '(own code)' : file.slice(at + 14);
    const name =
      at < 0
        ? rest
        : rest
            .split('/')
            .slice(0, rest.startsWith('@') ? 2 : 1)
            .join('/');
    const entry = (packages[name] ??= { modules: 0, bytes: 0 });
    entry.modules += 1;
    try {
      entry.bytes += statSync(file).size;
    } catch {
      // a built-in or a module gone from the disk
    }
  }
  writeFileSync(`${base}.memory.json`, JSON.stringify({ usage: process.memoryUsage(), spaces, packages }));
});
