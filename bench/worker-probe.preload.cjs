// `BENCH_WORKER_NODE_OPTIONS="-r ./bench/worker-probe.preload.cjs"`: a worker that answers SIGWINCH (not SIGUSR2: Nest's shutdown hooks stop the worker on it) by writing, to
// BENCH_PROBE_DIR (default: its working directory), `worker-<pid>.memory.json` (process.memoryUsage() and V8's
// heap spaces) and, with BENCH_PROBE=heap, a heap snapshot `worker-<pid>.heapsnapshot`; with BENCH_PROBE=cpu, the
// first SIGWINCH starts V8's sampling profiler (what --cpu-prof does, which NODE_OPTIONS does not allow) and SIGTERM
// writes `worker-<pid>.cpuprofile`, so the profile holds the loaded window only, not the start.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (`-r`), loaded before any loader */
const { readFileSync, writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const v8 = require('node:v8');

const probe = process.env.BENCH_PROBE ?? '';
const dir = process.env.BENCH_PROBE_DIR ?? process.cwd();
const file = (suffix) => `${dir}/worker-${process.pid}.${suffix}`;
let session;

process.on('SIGWINCH', () => {
  const memory = {
    ...process.memoryUsage(),
    heapSpaces: v8.getHeapSpaceStatistics(),
    heap: v8.getHeapStatistics(),
    // Where the resident set is: the kernel's totals, and the largest mappings with their names.
    smapsRollup: readFileSync('/proc/self/smaps_rollup', 'utf8'),
    largestMappings: largestMappings(readFileSync('/proc/self/smaps', 'utf8')),
    threads: /Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1],
  };
  writeFileSync(file('memory.json'), JSON.stringify(memory, null, 1));
  if (probe === 'heap') v8.writeHeapSnapshot(file('heapsnapshot'));
  if (probe === 'cpu' && !session) {
    session = new Session();
    session.connect();
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
    );
  }
});
if (probe === 'cpu') {
  process.prependListener('SIGTERM', () => {
    if (!session) return;
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(file('cpuprofile'), JSON.stringify(result.profile));
      process.exit(0);
    });
  });
}

/** The 20 mappings with the most resident kB: `<rss kB> <range> <name>`. */
function largestMappings(smaps) {
  const out = [];
  let current = '';
  for (const line of smaps.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line))
      current = line
        .split(/\s+/)
        .filter((_, i) => i === 0 || i === 5)
        .join(' ');
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) out.push([Number(rss[1]), current]);
  }
  return out
    .sort((a, b) => b[0] - a[0])
    .slice(0, 20)
    .map(([kb, name]) => `${kb} ${name}`);
}
