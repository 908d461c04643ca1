/**
 * `node -r @swc-node/register bench/cpu-profile-top.ts FILE.cpuprofile [TOP] [--last SECONDS]`: the functions a V8 CPU profile
 * spends its samples in, by self time and by inclusive time (a function counted once per sample however deep
 * it recurses), each as a share of the busy samples (idle ones left out), named `function (file:line)`, files relative to node_modules or
 * the repository. `--last S`: only the samples of the profile's last S seconds (the load, not the start-up).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function top(file: string, count: number, lastS: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  // Each sample's time from the profile's start (µs); with --last, the samples before the window are left out.
  const times = profile.timeDeltas.reduce<number[]>((all, delta) => [...all, (all.at(-1) ?? 0) + delta], []);
  const from = (times.at(-1) ?? 0) - lastS * 1e6;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|libs|dist)\//, '$1/');
    return where ? `${functionName || '(anonymous)'} (${where}:${lineNumber + 1})` : functionName;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [index, sample] of profile.samples.entries()) {
    if (times[index] < from) continue;
    const leaf = byId.get(sample);
    // Shares of the time the process was busy: idle samples (waiting in the event loop) are left out.
    if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
    busy += 1;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const key = name(byId.get(id) as ProfileNode);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
    }
  }
  const total = busy;
  const print = (title: string, table: Map<string, number>) => {
    process.stdout.write(`${title}\n`);
    for (const [key, n] of [...table].sort((a, b) => b[1] - a[1]).slice(0, count))
      process.stdout.write(`  ${((100 * n) / total).toFixed(1).padStart(5)} %  ${key}\n`);
  };
  const counted = times.filter((time) => time >= from).length;
  process.stdout.write(`${counted} samples, ${busy} busy (shares below are of the busy ones)\n`);
  print('self', self);
  print('inclusive', inclusive);
}

const lastAt = process.argv.indexOf('--last');
const count = process.argv[3] && lastAt !== 3 ? Number(process.argv[3]) : 30;
top(process.argv[2], count, lastAt < 0 ? Number.POSITIVE_INFINITY : Number(process.argv[lastAt + 1]));
