// `BENCH_GATEWAY_NODE_OPTIONS="-r ./bench/cpu-profile.preload.cjs"`: V8's sampling profile of the gateway (what
// --cpu-prof does, which NODE_OPTIONS does not allow), written to the working directory on SIGTERM.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (`-r`), loaded before any loader */
const { writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');

const session = new Session();
session.connect();
session.post('Profiler.enable', () =>
  session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')),
);
process.prependListener('SIGTERM', () => {
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(`${process.cwd()}/gateway-${process.pid}.cpuprofile`, JSON.stringify(result.profile));
    process.exit(0);
  });
});
