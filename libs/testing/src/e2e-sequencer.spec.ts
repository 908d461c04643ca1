import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
// The sequencer is the CommonJS module Jest loads itself (jest.config.js), with the table it balances by.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const LaneSequencer = require('../jest-e2e-sequencer.js');
const measured: Record<string, number> = JSON.parse(
  readFileSync(join(ROOT, 'libs/testing/e2e-suite-seconds.json'), 'utf8'),
);

interface FakeTest {
  path: string;
  context: { config: { rootDir: string; displayName: { name: string } } };
}

const suite = (relativePath: string): FakeTest => ({
  path: join(ROOT, relativePath),
  context: { config: { rootDir: ROOT, displayName: { name: 'e2e' } } },
});
const seconds = (test: FakeTest) => measured[test.path.slice(ROOT.length + 1)] ?? 30;
const total = (tests: FakeTest[]) => tests.reduce((sum, test) => sum + seconds(test), 0);

describe('the end-to-end lanes (jest-e2e-sequencer.js)', () => {
  const sequencer = new LaneSequencer({ contexts: [], globalConfig: { cacheDirectory: ROOT } });
  const tests = [...Object.keys(measured), 'apps/e2e/src/not-measured-yet.e2e-spec.ts'].map(suite);

  it('measures suites that exist', () => {
    expect(Object.keys(measured).filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it('gives every suite to exactly one lane, the lanes within the longest suite of each other', async () => {
    for (const count of [2, 3]) {
      const lanes: FakeTest[][] = [];
      for (let index = 1; index <= count; index++) {
        lanes.push(await sequencer.shard(tests, { shardIndex: index, shardCount: count }));
      }
      const paths = lanes.flat().map((test) => test.path);
      expect(paths.sort()).toEqual(tests.map((test) => test.path).sort());
      const totals = lanes.map(total);
      expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(Math.max(...tests.map(seconds)));
    }
  });

  it('runs a lane longest suite first', async () => {
    const lane: FakeTest[] = await sequencer.sort(await sequencer.shard(tests, { shardIndex: 1, shardCount: 2 }));
    const durations = lane.map(seconds);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
  });
});
