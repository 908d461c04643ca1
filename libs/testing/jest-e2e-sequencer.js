// Splits the end-to-end tier into lanes that run at once (`--shard=i/n`, see tools/test/e2e.js), each lane as long as the
// others by the suites' last measured durations (e2e-suite-seconds.json beside it), instead of Jest's split by the hash
// of the path, which may put the long suites together. A suite not in the table counts as DEFAULT_SECONDS.
// Within a lane the longest suites run first, so no lane ends with a long one started late.
const { relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const measured = require('./e2e-suite-seconds.json');

const DEFAULT_SECONDS = 30;

const secondsOf = (test) => measured[relative(test.context.config.rootDir, test.path)] ?? DEFAULT_SECONDS;
const longestFirst = (a, b) => secondsOf(b) - secondsOf(a) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
const endToEnd = (test) => test.context.config.displayName?.name === 'e2e';

class LaneSequencer extends Sequencer {
  shard(tests, { shardIndex, shardCount }) {
    const lanes = Array.from({ length: shardCount }, () => ({ seconds: 0, tests: [] }));
    for (const test of [...tests].sort(longestFirst)) {
      const shortest = lanes.reduce((least, lane) => (lane.seconds < least.seconds ? lane : least));
      shortest.tests.push(test);
      shortest.seconds += secondsOf(test);
    }
    return lanes[shardIndex - 1].tests;
  }

  sort(tests) {
    // The unit and integration tiers keep Jest's own order (failed first, then by their cached durations).
    return tests.every(endToEnd) ? [...tests].sort(longestFirst) : super.sort(tests);
  }
}

module.exports = LaneSequencer;
