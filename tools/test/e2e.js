// The end-to-end tier in E2E_LANES lanes at once (2 by default), each a Jest run of its own (`--runInBand`, one
// file at a time) over its share of the suites (`--shard`, balanced by libs/testing/jest-e2e-sequencer.js). Each run has its own
// database and Redis key prefix (Jest's global setup), so the lanes never share state; the suites mostly wait on
// the production timings they test, so two lanes fit two cores. Each line of output is prefixed with its lane;
// the exit code is the first failing lane's. Further arguments go to every lane (a path, `-t`, ...).
const { spawn } = require('node:child_process');
const { createInterface } = require('node:readline');

const lanes = Number(process.env.E2E_LANES ?? 2);
if (!Number.isInteger(lanes) || lanes < 1) {
  process.stderr.write(`E2E_LANES must be a whole number of at least 1, not ${process.env.E2E_LANES}\n`);
  process.exit(2);
}
const jest = require.resolve('jest/bin/jest');

const runs = Array.from({ length: lanes }, (_, index) => {
  const lane = `${index + 1}/${lanes}`;
  // A lane that a path or `-t` filter leaves without a suite passes (Jest would fail it: "No tests found").
  const shard = lanes > 1 ? [`--shard=${lane}`, '--passWithNoTests'] : [];
  const args = [jest, '--runInBand', '--selectProjects', 'e2e', ...shard];
  const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    createInterface({ input: stream }).on('line', (line) => out.write(`[e2e ${lane}] ${line}\n`));
  }
  return {
    child,
    ended: new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)))),
  };
});

// A runner stopped by a signal stops its lanes too, instead of leaving them running on their own.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => runs.forEach(({ child }) => child.kill(signal)));
}

Promise.all(runs.map(({ ended }) => ended)).then((codes) => process.exit(codes.find((code) => code !== 0) ?? 0));
